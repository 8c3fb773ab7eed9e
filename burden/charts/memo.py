"""Built figures kept per input, so a meeting of 200 opening one link builds each figure once (issue 14).

Building a Plotly figure costs more server CPU than the queries behind it: property validation, and the
county map's shapes copied into every new figure. A `Build` names a figure before it is built: a function
of burden.charts and its arguments. Its key is the function, the language and a fingerprint of every
argument, DataFrames by their rows' hashes, so two sessions shown the same data share one figure, and a
viewer whose scope yields other rows, another load, or another language gets another.

The rules that keep a cached figure true:
- the function lives in burden.charts and reads nothing but its arguments, the language and constants
  (charts import no Streamlit and no URL state); a function with a closure is refused;
- every argument is a DataFrame, a hashable value (str, number, tuple, frozenset, None, a frozen
  dataclass), or a list or dict of those (read when the key is made: do not change it before the build);
  anything else is refused;
- a figure taken from the cache is never changed: web/ui.plot applies its own marks inside the build.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl

from burden import i18n

MAX_FIGURES = 512


def fingerprint(value) -> Hashable:
    """A hashable stand-in for an argument: a DataFrame by schema and ordered row hashes, else the value."""
    if isinstance(value, pl.DataFrame):
        digest = hashlib.blake2b(value.hash_rows(seed=0).to_numpy().tobytes(), digest_size=16).hexdigest()
        return ("DataFrame", tuple((name, str(dtype)) for name, dtype in value.schema.items()), value.height, digest)
    if isinstance(value, tuple | list):
        return (type(value).__name__, *(fingerprint(v) for v in value))
    if isinstance(value, dict):  # small records such as the Overview's events, read when the key is made
        return ("dict", *((k, fingerprint(v)) for k, v in value.items()))
    try:
        hash(value)
    except TypeError:
        raise TypeError(
            f"a figure's argument must be a DataFrame, hashable, a list or a dict, not {type(value).__name__}"
        ) from None
    return value


@dataclass(frozen=True, init=False)
class Build:
    """`fn(*args, **kwargs)`, a figure not yet built."""

    fn: Callable[..., go.Figure]
    args: tuple
    kwargs: tuple

    def __init__(self, fn: Callable[..., go.Figure], *args, **kwargs):
        if not getattr(fn, "__module__", "").startswith("burden.charts."):
            raise ValueError(f"a cached figure is built by a function of burden.charts, not {fn!r}")
        if getattr(fn, "__closure__", None):
            raise ValueError(f"{fn.__qualname__} reads variables of an enclosing function: pass them as arguments")
        object.__setattr__(self, "fn", fn)
        object.__setattr__(self, "args", args)
        object.__setattr__(self, "kwargs", tuple(sorted(kwargs.items())))

    def key(self, *extra: Hashable) -> tuple:
        """The cache key: function, language, arguments, and `extra` (what the caller adds to the figure)."""
        return (
            self.fn.__module__,
            self.fn.__qualname__,
            i18n.lang(),
            tuple(fingerprint(a) for a in self.args),
            tuple((name, fingerprint(v)) for name, v in self.kwargs),
            extra,
        )

    def __call__(self) -> go.Figure:
        return self.fn(*self.args, **dict(self.kwargs))


class Frozen(go.Figure):
    """A built figure shared by sessions: `to_dict()` returns one dict, made once.

    st.plotly_chart calls `to_dict()` on every draw, and plotly's deep-copies the whole figure (the county
    map's shapes included): 18% of a warm Overview's server CPU. Streamlit only reads the dict (it serialises
    it to JSON), so one copy made when the figure is built serves every draw.
    """

    def to_dict(self) -> dict:
        return self.__dict__["_frozen_dict"]


def freeze(fig: go.Figure) -> Frozen:
    """`fig` itself, from now on answering `to_dict()` with the dict it has now."""
    spec = go.Figure.to_dict(fig)
    fig.__class__ = Frozen  # same layout (a subclass with no state of its own): no copy of the figure is made
    fig.__dict__["_frozen_dict"] = spec
    return fig


class FigureCache:
    """A bounded, thread-safe map from a key to a built figure (least recently used out first).

    Single flight, as db.query's: when fifty sessions of one meeting miss the same figure at once, the first
    builds it and the others wait for it (building it side by side cost the burst of 50 about a third more
    server CPU per session). If the build fails, a waiting session builds it itself.
    """

    def __init__(self, size: int = MAX_FIGURES):
        self.size = size
        self.hits = 0
        self.misses = 0
        self._figures: OrderedDict[tuple, go.Figure] = OrderedDict()
        self._building: set[tuple] = set()
        self._lock = threading.Condition()

    def get(self, key: tuple, build: Callable[[], go.Figure]) -> go.Figure:
        with self._lock:
            while True:
                figure = self._figures.get(key)
                if figure is not None:
                    self._figures.move_to_end(key)
                    self.hits += 1
                    return figure
                if key not in self._building:
                    self._building.add(key)
                    self.misses += 1
                    break
                self._lock.wait()
        try:
            figure = freeze(build())  # outside the lock: other figures are built and read meanwhile
            with self._lock:
                self._figures[key] = figure
                while len(self._figures) > self.size:
                    self._figures.popitem(last=False)
        finally:
            with self._lock:
                self._building.discard(key)
                self._lock.notify_all()
        return figure

    def clear(self) -> None:
        with self._lock:
            self._figures.clear()
            self.hits = self.misses = 0


FIGURES = FigureCache()
