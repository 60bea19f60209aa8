"""Contracts between the layers: one vocabulary, one settings table, one place that reads them."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from core import settings, vocabulary
from etl.catalogue import catalogue

REPO = Path(__file__).resolve().parent.parent
SCHEMA = (REPO / "etl" / "schema.sql").read_text(encoding="utf-8")


def _check_list(column: str) -> tuple[str, ...]:
    """The values a CHECK (``column IN (...)``) of the schema allows, in order."""
    match = re.search(rf"\b{column}\s+IN\s*\(([^)]*)\)", SCHEMA)
    assert match, f"no CHECK on {column} in etl/schema.sql"
    return tuple(re.findall(r"'([^']*)'", match.group(1)))


def test_the_schema_checks_allow_exactly_the_kernel_vocabulary():
    assert _check_list("area_level") == vocabulary.LEVELS
    assert _check_list("status") == tuple(vocabulary.STATUSES)
    assert _check_list("polarity") == vocabulary.POLARITIES
    assert _check_list("aggregate") == vocabulary.AGGREGATES
    assert _check_list("outcome") == vocabulary.FILE_OUTCOMES


def test_every_status_has_a_rank_and_every_catalogue_word_is_in_the_vocabulary():
    assert set(vocabulary.STATUS_RANK) == {None, *vocabulary.STATUSES}
    cat = catalogue()
    assert cat.challenges == vocabulary.CHALLENGES
    for ind in cat.indicators.values():
        assert ind.polarity in vocabulary.POLARITIES, ind.id
        assert ind.aggregate in vocabulary.AGGREGATES, ind.id
        assert set(ind.challenges) <= set(vocabulary.CHALLENGES), ind.id


def _readme_settings() -> list[tuple[str, str, str]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            rows.append((cells[0].strip("`"), cells[1].strip("`"), cells[2]))
    return rows


def test_the_readme_settings_table_is_the_settings_module():
    assert _readme_settings() == [(s.name, s.default, s.description) for s in settings.SETTINGS]


def _environment_reads(path: Path) -> list[int]:
    """Lines of ``path`` that read the environment (os.environ.get/[...], os.getenv)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
            parent_is_os = isinstance(node.value, ast.Name) and node.value.id == "os"
            if parent_is_os and isinstance(node.ctx, ast.Load):
                lines.append(node.lineno)
    return lines


def test_only_the_settings_module_reads_the_environment():
    readers = {}
    for folder in ("core", "etl", "geo", "dashboard", "pages"):
        for path in sorted((REPO / folder).rglob("*.py")):
            if path == REPO / "core" / "settings.py":
                continue
            if lines := _environment_reads(path):
                readers[str(path.relative_to(REPO))] = lines
    for path in (REPO / "app.py",):
        if lines := _environment_reads(path):
            readers[path.name] = lines
    assert readers == {}


def test_every_listed_parser_keeps_the_parser_contract():
    from etl.registry import PARSERS

    names = [module.NAME for module in PARSERS]
    assert len(set(names)) == len(names)
    for module in PARSERS:
        assert isinstance(module.NARROWS, bool) and isinstance(module.REPLACES_HISTORY, bool)
        assert callable(module.sniff) and callable(module.metadata)
        params = inspect.signature(module.parse).parameters
        assert list(params)[:2] == ["path", "recognised"], module.NAME
        for keyword in ("area", "data", "narrow"):
            assert params[keyword].kind is inspect.Parameter.KEYWORD_ONLY, (module.NAME, keyword)
        assert params["area"].default is inspect.Parameter.empty, module.NAME  # always passed


def test_no_parser_loads_the_area_or_registers_itself():
    for path in sorted((REPO / "etl" / "sources").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        assert "load_area" not in names, path.name
        assert "LIVE_SOURCES" not in names, path.name
