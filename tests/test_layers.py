"""The shape of the code: layers import one way, no cycles, small modules, few hidden imports.

    pages ──► dashboard ──► core ◄── etl        app.py ──► dashboard, core
                  │                ◄── geo
                  └──► geo (read API: the ``geo`` package), etl.catalogue (read-only)

``core`` imports nothing of ours; ``etl`` and ``geo`` never import each other; pages import
only ``dashboard`` and ``core``. Imports are read with ``ast``, function-local and
``TYPE_CHECKING`` ones included, so an edge cannot hide.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "etl", "geo", "dashboard", "pages")
MAX_LINES = 500
MAX_LOCAL_IMPORTS = 5

# layer -> the modules it may import (a name allows the module and everything under it).
ALLOWED: dict[str, tuple[str, ...]] = {
    "core": ("core",),
    "etl": ("core", "etl"),
    "geo": ("core", "geo"),
    "dashboard": ("core", "dashboard", "geo", "etl.catalogue"),
    "pages": ("core", "dashboard"),
    "app": ("core", "dashboard"),
}
# Exceptions: within "geo" only the package's read API may be imported from outside it.
GEO_READ_API = ("geo",)


@dataclass(frozen=True)
class Edge:
    source: str  # importing module, e.g. "etl.build"
    target: str  # imported module, e.g. "core.area"
    line: int
    local: bool  # inside a function or an ``if TYPE_CHECKING`` block


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_files(root: Path) -> list[Path]:
    files = [root / "app.py"] if (root / "app.py").is_file() else []
    for package in PACKAGES:
        files += sorted((root / package).rglob("*.py")) if (root / package).is_dir() else []
    return files


def _resolve(root: Path, name: str) -> str:
    """The deepest existing module for a dotted name (``etl.build.run`` -> ``etl.build``)."""
    parts = name.split(".")
    while parts:
        base = root.joinpath(*parts)
        if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
            return ".".join(parts)
        parts = parts[:-1]
    return name


def edges(root: Path) -> list[Edge]:
    """Every import of one of our modules, with whether it is hidden in a function."""
    ours = {*PACKAGES, "app"}
    out = []
    for path in project_files(root):
        source = module_name(root, path)
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def visit(node: ast.AST, local: bool, source: str = source) -> None:
            for child in ast.iter_child_nodes(node):
                hidden = local or isinstance(
                    child, ast.FunctionDef | ast.AsyncFunctionDef
                ) or (isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test))
                names: list[str] = []
                if isinstance(child, ast.Import):
                    names = [a.name for a in child.names]
                elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                    names = [f"{child.module}.{a.name}" for a in child.names]
                for name in names:
                    if name.split(".")[0] in ours:
                        target = _resolve(root, name)
                        out.append(Edge(source, target, child.lineno, local))
                visit(child, hidden)

        visit(tree, False)
    return out


def _layer(module: str) -> str:
    return module.split(".")[0]


def _allowed(edge: Edge) -> bool:
    layer, target = _layer(edge.source), edge.target
    if _layer(target) == "geo" and layer != "geo":
        return layer == "dashboard" and target in GEO_READ_API
    if layer == "pages" and _layer(target) == "pages":
        return False  # a page imports no other page or page helper: shared parts live in dashboard
    return any(target == a or target.startswith(a + ".") for a in ALLOWED[layer])


def forbidden_edges(root: Path) -> list[str]:
    return [
        f"{e.source} imports {e.target} (line {e.line})" for e in edges(root) if not _allowed(e)
    ]


def cycles(root: Path) -> list[list[str]]:
    """Import cycles between modules (each once, from its smallest name)."""
    graph: dict[str, set[str]] = {}
    for e in edges(root):
        if e.target != e.source and not e.source.startswith(e.target + "."):
            graph.setdefault(e.source, set()).add(e.target)
    found: set[tuple[str, ...]] = set()

    def walk(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt == path[0]:
                i = path.index(min(path))
                found.add(tuple(path[i:] + path[:i]))
            elif nxt not in path and nxt > path[0]:
                walk(nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, [start])
    return [list(c) for c in sorted(found)]


def local_imports(root: Path) -> list[Edge]:
    """Function-local (or TYPE_CHECKING) import statements of our modules, one per statement."""
    seen: dict[tuple[str, int], Edge] = {}
    for e in edges(root):
        if e.local:
            seen.setdefault((e.source, e.line), e)
    return list(seen.values())


def _reason_given(root: Path, edge: Edge) -> bool:
    """A function-local import carries a one-line comment (on its line or the line above)."""
    path = root / (edge.source.replace(".", "/") + ".py")
    if not path.is_file():
        path = root / edge.source.replace(".", "/") / "__init__.py"
    lines = path.read_text(encoding="utf-8").splitlines()
    here, above = lines[edge.line - 1], lines[edge.line - 2] if edge.line > 1 else ""
    return "#" in here or above.strip().startswith("#")


# -- the project ---------------------------------------------------------------------------------


def test_layers_import_one_way():
    assert forbidden_edges(REPO) == []


def test_there_is_no_import_cycle():
    assert cycles(REPO) == []


def test_no_module_is_over_500_lines():
    long = {
        str(p.relative_to(REPO)): n
        for p in [*project_files(REPO), *sorted((REPO / "bench").glob("*.py"))]
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_few_function_local_imports_each_with_its_reason():
    hidden = local_imports(REPO)
    assert len(hidden) <= MAX_LOCAL_IMPORTS, [f"{e.source}:{e.line} {e.target}" for e in hidden]
    assert [f"{e.source}:{e.line}" for e in hidden if not _reason_given(REPO, e)] == []


# -- the checker itself fails on what it must catch ----------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for package in PACKAGES:
        (root / package).mkdir(exist_ok=True)
        (root / package / "__init__.py").touch()
    return root


def test_the_checker_names_a_forbidden_import_and_a_cycle(tmp_path):
    root = _tree(
        tmp_path,
        {
            "etl/build.py": "from geo.build import run\nfrom etl import derive\n",
            "etl/derive.py": "def f():\n    from etl.build import x\n",
            "geo/build.py": "run = 1\n",
            "pages/page_map.py": "import etl.build\nfrom pages import _shared\n",
            "pages/_shared.py": "",
            "core/area.py": "from etl import build\n",
        },
    )
    assert forbidden_edges(root) == [
        "core.area imports etl.build (line 1)",
        "etl.build imports geo.build (line 1)",
        "pages.page_map imports etl.build (line 1)",
        "pages.page_map imports pages._shared (line 2)",
    ]
    assert cycles(root) == [["etl.build", "etl.derive"]]
    assert [(e.source, e.target) for e in local_imports(root)] == [("etl.derive", "etl.build")]
