"""Tell the browser where the server is, so a deep link does not probe the wrong path first.

Streamlit's frontend does not know the server's base path. Opened at `/apps`, it first asks
`/apps/_stcore/health` and `/apps/_stcore/host-config`, gets two 404s (logged as console errors), and only
then tries `/` (streamlit/streamlit#7074). Its bundle reads an optional `window.__streamlit` object before it
connects; with `BACKEND_BASE_URL` set it asks only there. This ASGI middleware writes that object into the
HTML page (index.html, which the server also sends for every page path such as `/apps`), with the server's
configured base path (`server.baseUrlPath`), so the page works behind a load balancer on any host name.
"""

from __future__ import annotations

import json

HTML = b"text/html"
HEAD = b"<head>"


def script(base_path: str) -> bytes:
    """The inline script: the backend is this page's origin plus the base path."""
    path = "/" + base_path.strip("/")
    return (
        "<script>window.__streamlit=Object.assign(window.__streamlit||{},"
        f"{{BACKEND_BASE_URL:window.location.origin+{json.dumps(path)}}});</script>"
    ).encode()


def inject(body: bytes, base_path: str) -> bytes:
    """`body` with the script right after its <head>; unchanged when there is no <head>."""
    at = body.find(HEAD)
    if at < 0:
        return body
    at += len(HEAD)
    return body[:at] + script(base_path) + body[at:]


class BackendBase:
    """ASGI middleware: the script goes into every HTML response to a GET; other traffic passes untouched."""

    def __init__(self, app, base_path: str | None = None):
        self.app = app
        self.base_path = base_path

    def _base(self) -> str:
        if self.base_path is None:
            from streamlit import config

            self.base_path = config.get_option("server.baseUrlPath") or ""
        return self.base_path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        # The page is small: ask for it uncompressed, so its body can be edited (the gzip middleware is inside).
        headers = [(k, v) for k, v in scope["headers"] if k != b"accept-encoding"]
        scope = {**scope, "headers": headers}
        start: dict | None = None
        chunks: list[bytes] = []

        async def edit(message):
            nonlocal start
            if message["type"] == "http.response.start":
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if not content_type.startswith(HTML):
                    await send(message)
                    return
                start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = inject(b"".join(chunks), self._base())
            headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, edit)
