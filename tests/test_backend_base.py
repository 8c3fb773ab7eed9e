"""The page tells the browser where the server is (burden/web/backend_base.py); nothing else is touched."""

from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from burden.web.backend_base import BackendBase

PAGE = "<!DOCTYPE html><html><head><title>t</title></head><body>" + "x" * 2000 + "</body></html>"


class _Client:
    """Requests straight into the ASGI app, as uvicorn would pass them."""

    def __init__(self, app):
        self.transport = httpx.ASGITransport(app=app)

    def request(self, method: str, path: str, headers: dict | None = None) -> httpx.Response:
        async def go():
            async with httpx.AsyncClient(transport=self.transport, base_url="http://testserver") as client:
                return await client.request(method, path, headers=headers)

        return asyncio.run(go())

    def get(self, path: str, headers: dict | None = None) -> httpx.Response:
        return self.request("GET", path, headers)

    def post(self, path: str) -> httpx.Response:
        return self.request("POST", path)


def _client(base_path: str) -> _Client:
    routes = [
        Route("/{page:path}", lambda request: HTMLResponse(PAGE), methods=["GET", "POST"]),
    ]
    json_route = Route("/_stcore/host-config", lambda request: JSONResponse({"a": "y" * 2000}))
    # The gzip middleware sits inside, as Streamlit's does: the page must still come back editable.
    app = Starlette(routes=[json_route, *routes], middleware=[Middleware(GZipMiddleware, minimum_size=10)])
    return _Client(BackendBase(app, base_path=base_path))


def test_every_page_path_names_the_server_root():
    client = _client("")
    for path in ("/", "/apps", "/remediation"):
        response = client.get(path, headers={"accept-encoding": "gzip"})
        assert response.headers.get("content-encoding") is None
        assert int(response.headers["content-length"]) == len(response.content)
        head = response.text.split("<title>")[0]
        assert head.endswith(
            "<head><script>window.__streamlit=Object.assign(window.__streamlit||{},"
            '{BACKEND_BASE_URL:window.location.origin+"/"});</script>'
        )
        assert response.text.endswith("x" * 2000 + "</body></html>")


def test_a_configured_base_path_is_kept():
    assert 'window.location.origin+"/burden"' in _client("/burden/").get("/burden/apps").text


def test_other_responses_pass_unchanged():
    client = _client("")
    response = client.get("/_stcore/host-config", headers={"accept-encoding": "gzip"})
    assert response.json() == {"a": "y" * 2000}
    assert "__streamlit" not in response.text
    assert client.post("/apps").text == PAGE  # only GETs are edited
