"""A minimal Streamlit client: one session opens a link the way a browser tab does, minus the drawing.

Streamlit 1.67's protocol, as its frontend speaks it (streamlit/static index.js, server
web/server/starlette/starlette_websocket.py, runtime/app_session.py):
1. HTTP: the page (`GET <link>`), `/_stcore/health` (which sets the `_streamlit_xsrf` cookie) and
   `/_stcore/host-config`, each sending the cookies set so far (a balancer's sticky cookie among them).
   The static JS/CSS bundles are not fetched: they are the same files for
   every tab and do not start a session (the Chromium cross-check in bench.burst covers them).
2. WebSocket `/_stcore/stream` with subprotocols ["streamlit", <xsrf cookie value>], the cookie,
   and Origin set to the server, so the XSRF check passes as in a browser.
3. BackMsg `rerun_script`: the link's query string, its path as `page_name` (how st.navigation
   resolves a deep link's url_path), empty widget state and the browser's context (URL, timezone).
4. ForwardMsgs until `script_finished`. FINISHED_SUCCESSFULLY is a finished render; an early
   finish for a rerun (st.rerun, a query-param rewrite) keeps reading.

A session fails when: a delta carries an exception element (Streamlit catches a raising script
and still reports FINISHED_SUCCESSFULLY, so the deltas must be read), the server answers
`page_not_found`, the script does not compile, the socket closes first, or `timeout_s` passes.
Lazily fetched extras a browser asks for after the run (dataframe chunks, deferred downloads)
are not requested.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import websockets

from bench.browser import check_loopback
from burden.balancer import STICKY_COOKIE

MAX_MESSAGE_BYTES = 200 * 1024 * 1024  # Streamlit's server.maxMessageSize default
XSRF_COOKIE = "_streamlit_xsrf"


@dataclass
class Render:
    """What one session saw. Times are ms since the session's first HTTP request."""

    link: str
    ok: bool = False
    status: str = "not started"  # finished | exception | page not found | compile error | closed | timeout | error
    ms: float | None = None  # script_finished (FINISHED_SUCCESSFULLY) received
    http_ms: float | None = None  # page, health and host-config answered
    ws_open_ms: float | None = None
    first_delta_ms: float | None = None
    messages: int = 0
    deltas: int = 0
    bytes: int = 0
    reruns: int = 0  # runs that finished early for a rerun before the final one
    elements: Counter = field(default_factory=Counter)  # element kind -> count, e.g. plotly_chart
    headings: list[tuple[str, str]] = field(default_factory=list)  # (tag, text) of title/header/subheader
    metrics: list[tuple[str, str]] = field(default_factory=list)  # (label, value) of st.metric cards
    exceptions: list[str] = field(default_factory=list)  # "Type: message" of exception elements
    server: str = ""  # the process behind a balancer (its sticky cookie), else ""
    error: str = ""

    @property
    def title(self) -> str | None:
        """The page's h1 (st.title), as a browser would show it."""
        return next((body for tag, body in self.headings if tag == "h1"), None)


def split_link(link: str) -> tuple[str, str]:
    """`/regions?lang=en` -> ("regions", "lang=en"): st.navigation's url_path and the query string."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        raise ValueError(f"a link is a path with a query, not a full URL: {link!r}")
    return parts.path.strip("/"), parts.query


async def _http_get(host: str, port: int, path: str, cookie: str = "") -> tuple[int, dict[str, str]]:
    """A bare HTTP/1.1 GET on loopback: (status, cookies set). The body is read and dropped."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        head = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\nAccept-Encoding: gzip\r\n"
        if cookie:
            head += f"Cookie: {cookie}\r\n"
        writer.write((head + "\r\n").encode("latin-1"))
        await writer.drain()
        raw = await reader.read()
    finally:
        writer.close()
    header_text = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = header_text.split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    cookies = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "set-cookie":
            key, _, rest = value.strip().partition("=")
            cookies[key] = rest.split(";", 1)[0]
    return status, cookies


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def _back_msg(page_name: str, query: str, url: str) -> bytes:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = query
    state.page_name = page_name
    state.widget_states.SetInParent()
    context = state.context_info
    context.url, context.timezone, context.timezone_offset = url, "Asia/Shanghai", -480
    context.locale, context.color_scheme, context.is_embedded = "zh-CN", "light", False
    return msg.SerializeToString()


def _read_element(render: Render, element) -> None:
    kind = element.WhichOneof("type")
    render.elements[kind] += 1
    if kind == "exception":
        render.exceptions.append(f"{element.exception.type}: {element.exception.message}"[:300])
    elif kind == "heading":
        render.headings.append((element.heading.tag, element.heading.body))
    elif kind == "metric":
        render.metrics.append((element.metric.label, element.metric.body))


def _read(render: Render, msg, now_ms: float) -> bool:
    """Account for one ForwardMsg; True when the render is over (finished or failed)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    kind = msg.WhichOneof("type")
    if kind == "delta":
        render.deltas += 1
        if render.first_delta_ms is None:
            render.first_delta_ms = now_ms
        if msg.delta.WhichOneof("type") == "new_element":
            _read_element(render, msg.delta.new_element)
    elif kind == "page_not_found":
        render.status, render.error = "page not found", f"no page {split_link(render.link)[0]!r}"
        return True
    elif kind == "session_event" and msg.session_event.WhichOneof("type") == "script_compilation_exception":
        render.status, render.error = "compile error", msg.session_event.script_compilation_exception.message
        return True
    elif kind == "script_finished":
        status = msg.script_finished
        if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            render.reruns += 1
            return False
        if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
            render.status, render.error = "compile error", "script did not compile"
            return True
        if status == ForwardMsg.FINISHED_SUCCESSFULLY:
            render.ms = now_ms
            if render.exceptions:
                render.status, render.error = "exception", "; ".join(render.exceptions[:3])
            else:
                render.status, render.ok = "finished", True
            return True
    return False


async def _run(render: Render, base_url: str, link: str, started: float, hold, done) -> None:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    def elapsed() -> float:
        return (time.perf_counter() - started) * 1000

    base = urlsplit(base_url)
    host, port = base.hostname, base.port or 80
    page_name, query = split_link(link)
    render.status = "http"
    # Cookies are kept as a browser keeps them: behind the balancer (burden/balancer.py) the page's answer
    # names the process, and the rest of the session must go back to it.
    status, cookies = await _http_get(host, port, link)
    if status != 200:
        render.status, render.error = "error", f"GET {link} answered {status}"
        return
    render.server = cookies.get(STICKY_COOKIE, "")
    cookies.update((await _http_get(host, port, "/_stcore/health", _cookie_header(cookies)))[1])
    xsrf = cookies.get(XSRF_COOKIE, "")
    cookie = _cookie_header(cookies)
    await _http_get(host, port, "/_stcore/host-config", cookie)
    render.http_ms = elapsed()
    render.status = "websocket"
    protocols = ["streamlit", xsrf] if xsrf else ["streamlit"]
    async with connect(
        f"ws://{host}:{port}/_stcore/stream",
        subprotocols=protocols,
        origin=f"http://{host}:{port}",
        additional_headers={"Cookie": cookie} if cookie else None,
        max_size=MAX_MESSAGE_BYTES,
        proxy=None,
        open_timeout=None,  # the session's own timeout bounds it
        # A browser sends no ping frames; websockets would, and would drop a server too busy to answer
        # within 20 s, failing sessions a browser would still be waiting on.
        ping_interval=None,
    ) as ws:
        render.ws_open_ms = elapsed()
        render.status = "running"
        await ws.send(_back_msg(page_name, query, base_url.rstrip("/") + link))
        try:
            while True:
                data = await ws.recv()
                render.messages += 1
                render.bytes += len(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                if _read(render, msg, elapsed()):
                    break
        except websockets.exceptions.ConnectionClosed as closed:
            render.status, render.error = "closed", f"socket closed before the run finished ({closed})"
            return
        done()
        if hold is not None and render.ok:
            await hold.wait()  # stay connected, like an open tab, until the whole burst is done


async def open_link(
    base_url: str,
    link: str,
    timeout_s: float = 60.0,
    hold: asyncio.Event | None = None,
    on_done: Callable[[Render], None] | None = None,
) -> Render:
    """Open `link` (path + query) as a new session on a loopback server; never raises for a failed session.

    `on_done(render)` is called once, as soon as the render finished or failed. With `hold`, a
    session that finished keeps its socket open until `hold` is set (within the same `timeout_s`,
    counted from the start), so N sessions are connected at once as in a meeting.
    """
    check_loopback(base_url)
    render = Render(link)
    started = time.perf_counter()
    notified = False

    def done() -> None:
        nonlocal notified
        if not notified and on_done is not None:
            on_done(render)
        notified = True

    try:
        async with asyncio.timeout(timeout_s):
            await _run(render, base_url, link, started, hold, done)
    except TimeoutError:
        if not render.ok:  # a finished session timing out while held is still a finished render
            render.status, render.error = "timeout", f"no finished render within {timeout_s:g} s ({render.status})"
    except (OSError, websockets.exceptions.WebSocketException) as exc:  # refused, reset, handshake refused
        render.status, render.error = "error", f"{type(exc).__name__}: {exc}"[:300]
    done()
    return render
