"""The live build: every catalogue dataset from the Nomis API, then every registered live source.

``fetch_all(area, catalogue, show_progress=False, http=None) -> list[Extract]``
    For each catalogue dataset with a ``nomis_id`` and a ``[datasets.X.live]`` table: read the
    dataset's definition (it must exist), check every code in ``[datasets.X.live.codes.<concept>]``
    still has its label, find the code of each label in ``[datasets.X.live.labels]`` in the
    codelist (codes no public source verified; a label the codelist lacks is noted, not guessed),
    then query ``dataset/{id}.data.csv`` with the table's ``params``, each concept filtered to its
    codes (those in ``params``, the checked ones and the resolved ones), and the geographies the
    table names:

    ==========  ==============================================================================
    places      the configured local authorities' GSS codes
    regions     their regions' codes
    country     England, E92000001
    lsoa        every 2021 LSOA in each configured authority (``{LAD}TYPE151``)
    msoa        every 2021 MSOA in each configured authority (``{LAD}TYPE152``)
    ==========  ==============================================================================

    ``places``, ``regions`` and ``country`` go in one query; ``lsoa`` and ``msoa`` one query
    each. Each answer becomes one Extract (origin = the query URL, retrieved_at = when it was
    downloaded), parsed by ``etl.sources.nomis_api_csv``. Responses are cached on disk
    (``core.http``), so a rerun needs no network.

    Raises ``LiveUnavailable`` if the network cannot be reached and nothing is cached (the
    command line then builds the sample and says so), ``FetchError`` for a dataset Nomis does
    not have, a recoded dimension, a response cut short or an error page, and ``EtlError`` if
    the network is lost part-way (the answers received so far stay cached; run the build again).
    The optional ``datasets`` argument limits the run to some catalogue keys, ``live_sources``
    replaces the registry for one call.

``etl.registry.LIVE_SOURCES``
    Live sources other than Nomis (fit notes, ONS workbooks...), listed once in the registry. A
    source is a callable ``(http: HttpClient, area: Area, catalogue: Catalogue) -> list[Extract]``,
    run in order after the Nomis datasets with the same HTTP client (so it shares the cache and
    rate limit). It should raise ``core.http.NetworkUnavailable`` (the client does) when it cannot
    reach its host, and ``FetchError``/``ExtractError`` for broken answers.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from tqdm import tqdm

from core.area import ENGLAND_CODE, Area
from core.errors import EtlError, ExtractError, FetchError, LiveUnavailable
from core.http import HttpClient, NetworkUnavailable
from etl.catalogue import Catalogue, Dataset
from etl.extract import Extract, Recognised
from etl.nomis import NomisClient
from etl.outcomes import FileOutcome
from etl.records import normalise_label
from etl.registry import LIVE_SOURCES, LiveSource
from etl.sources import nomis_api_csv

CODE_SPECS = ("places", "regions", "country")
SMALL_AREA_TYPES = {"lsoa": "TYPE151", "msoa": "TYPE152"}
DEFAULT_GEOGRAPHY = ("places", "regions", "country")


@dataclass(frozen=True)
class NomisQuery:
    """One data query for one dataset and one group of geographies."""

    dataset: Dataset
    spec: str  # "places, regions, country", "lsoa" or "msoa"
    geography: tuple[str, ...]
    params: dict[str, str] = field(default_factory=dict)


def geography_codes(spec: str, area: Area) -> list[str]:
    """The Nomis ``geography=`` items for one catalogue geography spec."""
    if spec == "places":
        return list(area.lad_codes)
    if spec == "regions":
        return list(area.region_codes)
    if spec == "country":
        return [ENGLAND_CODE]
    if spec in SMALL_AREA_TYPES:
        return [f"{code}{SMALL_AREA_TYPES[spec]}" for code in area.lad_codes]
    raise EtlError(
        f"unknown geography {spec!r} in etl/catalogue.toml; use places, regions, country, "
        "lsoa or msoa"
    )


def has_live_table(dataset: Dataset) -> bool:
    return bool(dataset.nomis_id) and bool(
        dataset.live_params or dataset.live_geography or dataset.live_codes
    )


def plan(area: Area, cat: Catalogue, datasets: Iterable[str] | None = None) -> list[NomisQuery]:
    """The data queries a live build makes (before codes are checked)."""
    wanted = set(datasets) if datasets is not None else None
    if wanted is not None and (unknown := wanted - set(cat.datasets)):
        raise EtlError(f"no catalogue dataset {', '.join(sorted(unknown))}")
    queries = []
    for ds in cat.datasets.values():
        if not has_live_table(ds) or (wanted is not None and ds.key not in wanted):
            continue
        params = dict(ds.live_params)
        for concept, codes in ds.live_codes.items():
            params[concept.lower()] = _join(params.get(concept.lower(), ""), codes)
        specs = ds.live_geography or DEFAULT_GEOGRAPHY
        grouped = [s for s in specs if s in CODE_SPECS]
        groups = ([grouped] if grouped else []) + [[s] for s in specs if s not in CODE_SPECS]
        for group in groups:
            geo = tuple(g for spec in group for g in geography_codes(spec, area))
            if geo:
                queries.append(NomisQuery(ds, ", ".join(group), geo, params))
    return queries


def _join(given: str, codes: Iterable[str]) -> str:
    """Codes of one concept, those already given first, each once."""
    return ",".join(dict.fromkeys([*(c for c in given.split(",") if c), *codes]))


def resolve_labels(
    nomis: NomisClient, ds: Dataset, queries: list[NomisQuery]
) -> tuple[list[NomisQuery], list[str]]:
    """The queries with the codes of ``[datasets.X.live.labels]`` added, found by exact label
    (ignoring case and spacing) in the dataset's codelists; and notes saying what each label
    resolved to, or that the codelist lacks it."""
    notes = []
    extra: dict[str, list[str]] = {}
    for concept, labels in ds.live_labels.items():
        by_label = {
            normalise_label(label): code
            for code, label in nomis.codes(ds.nomis_id, concept).items()
        }
        for label in labels:
            code = by_label.get(normalise_label(label))
            if code is None:
                notes.append(
                    f"{concept} {label!r} is not in the {ds.nomis_id} codelist: its figures were "
                    "not fetched"
                )
                continue
            extra.setdefault(concept.lower(), []).append(code)
            notes.append(f"{concept} {label!r} resolved by label to code {code}")
    if not extra:
        return queries, notes
    resolved = []
    for q in queries:
        params = dict(q.params)
        for concept, codes in extra.items():
            params[concept] = _join(params.get(concept, ""), codes)
        resolved.append(replace(q, params=params))
    return resolved, notes


def fetch_query(nomis: NomisClient, query: NomisQuery, select: list[str], area: Area) -> Extract:
    """Fetch and parse one query into an Extract."""
    ds = query.dataset
    params = {"geography": ",".join(query.geography), **query.params}
    result = nomis.fetch_csv(ds.nomis_id, params, select)
    if result.record_count == 0:
        raise FetchError(
            result.url,
            f"catalogue dataset {ds.key!r} ({ds.nomis_id}) has no rows for {query.spec}; "
            f"check its [datasets.{ds.key}.live] table in etl/catalogue.toml",
        )
    description = f"Nomis API {ds.nomis_id} ({ds.title}; {query.spec})"
    recognised = Recognised(
        parser=nomis_api_csv.NAME,
        dataset=ds.key,
        description=description,
        options={"nomis_id": ds.nomis_id},
    )
    recs = nomis_api_csv.parse(
        result.url, recognised, area=area, data=result.content, origin=result.url
    )
    notes = []
    asked = [g for g in query.geography if "TYPE" not in g]
    missing = sorted(set(asked) - set(recs["area_code"]))
    if missing:
        notes.append(f"Nomis returned no figures for {', '.join(missing)}")
    if result.from_cache:
        notes.append(
            f"from the local cache, downloaded {result.fetched_at:%Y-%m-%d %H:%M} UTC (delete "
            "data/cache or set ETL_CACHE_MAX_AGE_HOURS to fetch afresh)"
        )
    return Extract(
        dataset=ds.key,
        records=recs,
        origin=result.url,
        sha256=hashlib.sha256(result.content).hexdigest(),
        description=description,
        retrieved_at=result.fetched_at,
        notes=notes,
    )


def _source_dataset(source: LiveSource) -> str | None:
    """The catalogue dataset a live source fetches (its module's ``DATASET``), if it says."""
    module = sys.modules.get(getattr(source, "__module__", ""), None)
    return getattr(module, "DATASET", None)


def fetch_all(
    area: Area,
    catalogue: Catalogue,
    show_progress: bool = False,
    http: HttpClient | None = None,
    *,
    datasets: Iterable[str] | None = None,
    live_sources: Iterable[LiveSource] | None = None,
    failures: list[FileOutcome] | None = None,
) -> list[Extract]:
    """Fetch every live dataset for ``area`` (see the module docstring).

    With ``failures`` given, a dataset or live source whose fetch fails (an error page, a
    recoded dimension, a cut-off answer) is recorded there as a ``failed`` outcome and the
    others go on; without it the first failure is raised. Losing the network is always raised.
    """
    http = http or HttpClient()
    nomis = NomisClient(http)
    live_sources = list(LIVE_SOURCES if live_sources is None else live_sources)
    queries = plan(area, catalogue, datasets)
    by_dataset: dict[str, list[NomisQuery]] = {}
    for q in queries:
        by_dataset.setdefault(q.dataset.key, []).append(q)

    steps = len(queries) + len(by_dataset) + len(live_sources)
    bar = tqdm(
        total=steps,
        desc="Fetching live sources",
        disable=not show_progress,
        file=sys.stderr,
        unit="query",
        leave=False,
    )
    extracts: list[Extract] = []

    def failed(what: str, dataset: str | None, exc: EtlError) -> None:
        if failures is None or isinstance(exc, NetworkUnavailable):
            raise exc
        failures.append(
            FileOutcome(what, "failed", str(exc), dataset=dataset, origin=what, error=exc)
        )

    try:
        for key, qs in by_dataset.items():
            ds = qs[0].dataset
            bar.set_postfix_str(f"{ds.nomis_id} codes")
            try:
                definition = nomis.definition(ds.nomis_id)
                for concept, expected in ds.live_codes.items():
                    nomis.check_codes(ds.nomis_id, concept, expected, dataset_key=key)
                qs, resolved = resolve_labels(nomis, ds, qs)
                select = nomis.select_for(definition)
                bar.update(1)
                got = []
                for q in qs:
                    bar.set_postfix_str(f"{ds.nomis_id} {q.spec}")
                    ex = fetch_query(nomis, q, select, area)
                    ex.notes += resolved
                    got.append(ex)
                    bar.update(1)
                extracts += got  # a dataset comes whole or not at all
            except (FetchError, ExtractError) as exc:
                failed(f"Nomis {ds.nomis_id} ({key})", key, exc)
        for source in live_sources:
            name = getattr(source, "__module__", "") or getattr(source, "__name__", "live source")
            bar.set_postfix_str(name)
            try:
                extracts.extend(source(http, area, catalogue))
            except (FetchError, ExtractError) as exc:
                failed(name, _source_dataset(source), exc)
            bar.update(1)
    except NetworkUnavailable as exc:
        if http.stats["fetched"] + http.stats["cache"] == 0:
            raise LiveUnavailable(
                f"the network is unreachable and nothing is cached ({exc})"
            ) from exc
        raise EtlError(
            f"The network was lost part-way through the live build ({exc}). Answers received "
            "so far are cached; run the build again to continue."
        ) from exc
    finally:
        bar.close()
    return extracts
