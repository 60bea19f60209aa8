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

    @property
    def kind(self) -> str:
        if self.category:
            return "direct"
        if self.numerator and (self.denominator or self.denominator_sum):
            return "ratio"
        return "sum"

    def labels(self) -> tuple[str, ...]:
        """Every category label this recipe reads (a ratio's numerator first)."""
        if self.kind == "direct":
            return (self.category,)
        if self.kind == "ratio":
            return (self.numerator, *(self.denominator_sum or (self.denominator,)))
        return self.sum


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
        )
        if recipe.dataset not in datasets:
            raise fail(f"recipe names unknown dataset {recipe.dataset!r}")
        if recipe.kind == "sum" and not recipe.sum:
            raise fail("a recipe needs category, numerator+denominator(_sum), or sum")
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
    )


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and check the catalogue."""
    raw = tomllib.loads((path or CATALOGUE_PATH).read_text(encoding="utf-8"))
    challenges = dict(CHALLENGES)
    datasets = {k: _dataset(k, v) for k, v in raw.get("datasets", {}).items()}
    indicators = {
        k: _indicator(k, v, challenges, datasets) for k, v in raw.get("indicators", {}).items()
    }
    return Catalogue(challenges=challenges, datasets=datasets, indicators=indicators)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The repository's catalogue, read once per process."""
    return load_catalogue()
