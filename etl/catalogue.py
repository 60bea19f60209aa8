"""The indicator catalogue (``etl/catalogue.toml``) as typed objects."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from core.vocabulary import AGGREGATES, CHALLENGES, POLARITIES

CATALOGUE_PATH = Path(__file__).with_name("catalogue.toml")



class CatalogueError(ValueError):
    """The catalogue file is inconsistent."""


@dataclass(frozen=True)
class Recipe:
    """How one indicator is made from one dataset's records."""

    dataset: str
    category: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    sum: tuple[str, ...] = ()
    scale: float = 1.0
    denominator_sum: tuple[str, ...] = ()  # a ratio's denominator made by adding these
    numerator_sum: tuple[str, ...] = ()  # a ratio's numerator made by adding these
    subtract: tuple[str, ...] = ()  # a sum less these categories
    # A gap between two breakdowns of ``category``: (first - second) / first x scale.
    gap: tuple[str, ...] = ()
    breakdowns: tuple[str, ...] = ()  # only these breakdowns (all when empty)
    measure: str | None = None  # a ratio of this measure of each category ("numerator")

    @property
    def kind(self) -> str:
        if self.gap:
            return "gap"
        if self.category:
            return "direct"
        if (self.numerator or self.numerator_sum) and (self.denominator or self.denominator_sum):
            return "ratio"
        return "sum"

    def numerators(self) -> tuple[str, ...]:
        return self.numerator_sum or (self.numerator,)

    def labels(self) -> tuple[str, ...]:
        """Every category label this recipe reads (a ratio's numerators first)."""
        if self.kind in ("direct", "gap"):
            return (self.category,)
        if self.kind == "ratio":
            return tuple(
                dict.fromkeys(
                    (*self.numerators(), *(self.denominator_sum or (self.denominator,)))
                )
            )
        return (*self.sum, *self.subtract)


@dataclass(frozen=True)
class Dataset:
    key: str
    title: str
    publisher: str
    url: str
    licence: str
    attribution: str
    nomis_id: str | None = None
    caveats: str = ""
    census_variable: str | None = None
    live_params: dict[str, str] = field(default_factory=dict)
    live_geography: tuple[str, ...] = ()
    live_codes: dict[str, dict[str, str]] = field(default_factory=dict)
    # Codes not verified in any public source: found by their exact label in the Nomis codelist
    # at run time (concept -> labels); the build notes the code each resolved to.
    live_labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Where a year's figure refers to one point in it: "mid-year" (30 June), "september".
    reference: str | None = None


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    unit: str
    unit_label: str
    decimals: int
    polarity: str
    challenges: tuple[str, ...]
    levels: tuple[str, ...]
    aggregate: str
    description: str
    caveats: str
    recipes: tuple[Recipe, ...]
    # 1, 2 or 3: the indicator's place among its challenge's headline measures; None if not one.
    headline: int | None = None

    @property
    def datasets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.dataset for r in self.recipes))


@dataclass(frozen=True)
class Catalogue:
    challenges: dict[str, str]
    datasets: dict[str, Dataset]
    indicators: dict[str, Indicator]

    def indicators_for(self, dataset: str) -> list[Indicator]:
        return [i for i in self.indicators.values() if dataset in i.datasets]

    def by_nomis_id(self, nomis_id: str) -> Dataset | None:
        key = nomis_id.upper()
        return next((d for d in self.datasets.values() if d.nomis_id == key), None)

    def by_census_variable(self, variable: str) -> Dataset | None:
        """The census dataset whose categories start with ``variable`` (case-insensitive)."""
        key = variable.strip().lower()
        return next(
            (d for d in self.datasets.values() if (d.census_variable or "").lower() == key), None
        )


def _dataset(key: str, raw: dict) -> Dataset:
    live = raw.get("live") or {}
    return Dataset(
        key=key,
        title=raw["title"],
        publisher=raw["publisher"],
        url=raw.get("url", ""),
        licence=raw.get("licence", "Open Government Licence v3.0"),
        attribution=raw.get("attribution", ""),
        nomis_id=raw.get("nomis_id"),
        caveats=raw.get("caveats", ""),
        census_variable=raw.get("census_variable"),
        reference=raw.get("reference"),
        live_params={k: str(v) for k, v in (live.get("params") or {}).items()},
        live_geography=tuple(live.get("geography", ())),
        live_codes={
            dim: {str(code): str(label) for code, label in codes.items()}
            for dim, codes in (live.get("codes") or {}).items()
        },
        live_labels={
            dim: tuple(str(label) for label in labels)
            for dim, labels in (live.get("labels") or {}).items()
        },
    )


def _indicator(key: str, raw: dict, challenges: dict, datasets: dict) -> Indicator:
    def fail(msg: str) -> CatalogueError:
        return CatalogueError(f"{CATALOGUE_PATH.name}: indicator {key}: {msg}")

    recipes = []
    for r in raw.get("recipe", []):
        recipe = Recipe(
            dataset=r["dataset"],
            category=r.get("category"),
            numerator=r.get("numerator"),
            denominator=r.get("denominator"),
            sum=tuple(r.get("sum", ())),
            scale=float(r.get("scale", 1.0)),
            denominator_sum=tuple(r.get("denominator_sum", ())),
            numerator_sum=tuple(r.get("numerator_sum", ())),
            subtract=tuple(r.get("subtract", ())),
            gap=tuple(r.get("gap", ())),
            breakdowns=tuple(r.get("breakdowns", ())),
            measure=r.get("measure"),
        )
        if recipe.dataset not in datasets:
            raise fail(f"recipe names unknown dataset {recipe.dataset!r}")
        if recipe.kind == "sum" and not recipe.sum:
            raise fail("a recipe needs category, numerator+denominator(_sum), or sum")
        if recipe.gap and (len(recipe.gap) != 2 or not recipe.category):
            raise fail("a gap recipe needs a category and two breakdowns")
        recipes.append(recipe)
    polarity = raw.get("polarity", "none")
    if polarity not in POLARITIES:
        raise fail(f"polarity {polarity!r} is not one of {POLARITIES}")
    aggregate = raw.get("aggregate", "none")
    if aggregate not in AGGREGATES:
        raise fail(f"aggregate {aggregate!r} is not one of {AGGREGATES}")
    unknown = set(raw.get("challenges", ())) - set(challenges)
    if unknown:
        raise fail(f"unknown challenge(s) {sorted(unknown)}")
    headline = raw.get("headline")
    if headline is not None and (headline not in (1, 2, 3) or not raw.get("challenges")):
        raise fail(f"headline {headline!r} must be 1, 2 or 3, for an indicator with a challenge")
    return Indicator(
        id=key,
        title=raw["title"],
        unit=raw["unit"],
        unit_label=raw.get("unit_label", raw["unit"]),
        decimals=int(raw.get("decimals", 1)),
        polarity=polarity,
        challenges=tuple(raw.get("challenges", ())),
        levels=tuple(raw.get("levels", ("lad",))),
        aggregate=aggregate,
        description=raw.get("description", ""),
        caveats=raw.get("caveats", ""),
        recipes=tuple(recipes),
        headline=headline,
    )


def _check_headlines(indicators: dict[str, Indicator]) -> None:
    """Each challenge's headline places (1, 2, 3) are taken once: by the indicator whose first
    challenge it is."""
    taken: dict[tuple[str, int], str] = {}
    for ind in indicators.values():
        if ind.headline is None:
            continue
        key = (ind.challenges[0], ind.headline)
        if key in taken:
            raise CatalogueError(
                f"{CATALOGUE_PATH.name}: indicators {taken[key]} and {ind.id} are both headline "
                f"{ind.headline} of challenge {key[0]}"
            )
        taken[key] = ind.id


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and check the catalogue."""
    raw = tomllib.loads((path or CATALOGUE_PATH).read_text(encoding="utf-8"))
    challenges = dict(CHALLENGES)
    datasets = {k: _dataset(k, v) for k, v in raw.get("datasets", {}).items()}
    indicators = {
        k: _indicator(k, v, challenges, datasets) for k, v in raw.get("indicators", {}).items()
    }
    _check_headlines(indicators)
    return Catalogue(challenges=challenges, datasets=datasets, indicators=indicators)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The repository's catalogue, read once per process."""
    return load_catalogue()
