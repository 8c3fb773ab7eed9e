"""The layers of the code, as data, and a check that imports point one way only (docs/architecture.md).

Every import counts, also one inside a function. A module may import its own layer's modules and any lower
layer's, never a higher one. Layers on one line (a tuple) are siblings that must not import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

from burden import settings

ROOT = settings.ROOT

# High to low. A name is a module or package prefix; the longest prefix decides.
LAYERS: list[tuple[str, ...]] = [
    ("serve", "dashboard", "app_pages", "burden.__main__"),  # entry points: the server, the app, its pages, the CLI
    ("burden.web",),  # the code that imports Streamlit: frame, ui, auth, exports
    ("burden.balancer",),  # several server processes behind HAProxy (starts them; imports no Streamlit)
    ("burden.charts",),  # DataFrame -> figure; used by pages and web.ui only (and the briefing, below)
    ("burden.views", "burden.demo"),  # view models, the what-if and the briefing; the demo generator
    ("burden.engines",),  # the rollups on another engine: the one SQL source translated by sqlglot (Spark)
    ("burden.ingest",),  # log files in: read, decode, parse, stage, merge, store (the Data page and demo use it)
    ("burden.ledger",),  # 整改台账: the ledger's events (SQLite or PostgreSQL) and its rules
    ("burden.summary", "burden.geo", "burden.filters", "burden.rules"),  # headline metrics and cards; the map;
    # the URL grammar; the rules' checks (data/rules.toml)
    ("burden.rollups",),  # the derived tables
    ("burden.db", "burden.pseudonyms"),  # named queries in the viewer's scope; cadre pseudonyms
    ("burden.metrics", "burden.access"),  # the metric registry; who sees which region
    ("burden.labels", "burden.lines"),  # display labels (region and app names, short names); 条线 (data/lines.toml)
    ("burden.i18n", "burden.settings"),  # text in two languages and number formats; paths and thresholds
]

# Imports allowed against the rule, each with its reason. The list is meant to shrink.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("burden.views.briefing", "burden.charts.theme"): "the briefing draws its charts, in the theme's colours",
}

# Modules within burden.views that may import another view model: they compose views.
VIEW_COMPOSERS = {
    "burden.views.briefing": "the briefing puts the Overview's cards, alerts and ranking on one page",
    "burden.views.overview": "the Overview shows the alerts (overview_alerts) beside its cards",
    "burden.views.overview_alerts": "the alerts count the rules broken and name the heaviest lines (departments)",
}

# Only these import Streamlit (or read its session lazily, without needing it installed to import).
STREAMLIT_USERS = ("serve", "dashboard", "app_pages", "burden.web")
STREAMLIT_LAZY = {
    "burden.access": "reads the session's scope when a Streamlit script runs in this thread, else none",
    "burden.pseudonyms": "reads the pseudonym key from st.secrets when run inside Streamlit, else the environment",
}


def _modules() -> dict[str, Path]:
    found = {"serve": ROOT / "serve.py", "dashboard": ROOT / "dashboard.py"}
    for folder in ("burden", "app_pages"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imports(path: Path) -> set[str]:
    """Every module named by an import in the file (the code uses absolute imports only: ruff's TID252)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from burden import db`
    return names


def _layer(module: str) -> tuple[int, str] | None:
    best = None
    for rank, layer in enumerate(LAYERS):
        for prefix in layer:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > len(best[1])):
                best = (rank, prefix)
    return best


def _edges() -> set[tuple[str, str]]:
    """(importer, imported) between the project's own modules; `from m import name` counts as importing m."""
    modules = _modules()
    edges = set()
    for module, path in modules.items():
        for name in _imports(path):
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != "burden" and name != module:
                edges.add((module, name))
    return edges


def test_every_module_has_a_layer():
    assert not [m for m in _modules() if m != "burden" and _layer(m) is None]


def test_imports_point_down():
    wrong = []
    for module, target in _edges():
        own, other = _layer(module), _layer(target)
        if own is None or other is None or (module, target) in EXCEPTIONS:
            continue
        upward = other[0] < own[0]
        sideways = other[0] == own[0] and other[1] != own[1]
        if upward or sideways:
            wrong.append(f"{module} -> {target}")
    assert not wrong, "imports against the layers:\n" + "\n".join(sorted(wrong))


def test_view_models_do_not_borrow_from_each_other():
    wrong = [
        f"{module} -> {target}"
        for module, target in _edges()
        if module.startswith("burden.views.")
        and target.startswith("burden.views.")
        and target != module
        and module not in VIEW_COMPOSERS
    ]
    assert not wrong, "a helper two views need belongs in a lower layer:\n" + "\n".join(sorted(wrong))


def test_only_the_web_layer_imports_streamlit():
    wrong = []
    for module, path in _modules().items():
        uses = any(name == "streamlit" or name.startswith("streamlit.") for name in _imports(path))
        allowed = module in STREAMLIT_LAZY or any(module == p or module.startswith(p + ".") for p in STREAMLIT_USERS)
        if uses and not allowed:
            wrong.append(module)
    assert not wrong, f"Streamlit imported outside the web layer: {wrong}"


def test_the_rule_catches_a_back_channel():
    """The check itself: a view model importing the page frame is an upward import."""
    own, other = _layer("burden.views.overview"), _layer("burden.web.frame")
    assert other[0] < own[0]
    assert _layer("burden.views.data")[1] != _layer("burden.demo.build")[1]  # siblings: sideways is refused
