"""Import what every page needs once, in the server's main thread, before the first session.

Without it the first sessions of a fresh server import Plotly's and pandas' modules from several script
threads at once, and Plotly's lazy `optional_imports` can hand a thread a pandas module another thread is
still initialising ("partially initialized module 'pandas' has no attribute 'Series'"). A burst of 50 on a
second, cold process behind the balancer failed 22 sessions that way. serve.py calls `preload()` at import,
which uvicorn does before it accepts a connection.
"""

from __future__ import annotations

import importlib
import pkgutil

# Third-party modules imported lazily on a page's first use.
LAZY = ("pandas", "plotly.graph_objects", "plotly.io", "plotly.express", "orjson", "pyarrow")
# Our packages whose every module some page imports.
PACKAGES = ("burden.views", "burden.charts", "burden.web")


def modules() -> list[str]:
    names = list(LAZY)
    for package in PACKAGES:
        path = importlib.import_module(package).__path__
        names += [f"{package}.{info.name}" for info in pkgutil.iter_modules(path)]
    return names


def preload() -> list[str]:
    """Import every module of `modules()`; returns their names."""
    names = modules()
    for name in names:
        importlib.import_module(name)
    return names
