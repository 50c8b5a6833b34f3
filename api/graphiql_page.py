"""GraphiQL served from the service itself: nothing the page loads comes from outside, so it
works on a union's intranet without internet.

The browser files come from npm packages pinned in ``api/graphiql/package.json`` (with its
lock file), installed by ``make install`` into ``api/graphiql/node_modules``. The page is
strawberry's own GraphiQL page with each CDN address replaced by ``/graphiql-assets/...``;
only the files listed in :data:`ASSETS` are served from that folder."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from strawberry.http.ides import get_graphql_ide_html

MODULES = Path(__file__).resolve().parent / "graphiql" / "node_modules"
PREFIX = "/graphiql-assets"
ASSETS = {  # served name -> file under node_modules (what strawberry's page asks the CDN for)
    "react/umd/react.production.min.js": "react/umd/react.production.min.js",
    "react-dom/umd/react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "js-cookie/dist/js.cookie.min.js": "js-cookie/dist/js.cookie.min.js",
    "graphiql/graphiql.min.css": "graphiql/graphiql.min.css",
    "graphiql/graphiql.min.js": "graphiql/graphiql.min.js",
    "@graphiql/plugin-explorer/dist/style.css": "@graphiql/plugin-explorer/dist/style.css",
    "@graphiql/plugin-explorer/dist/index.umd.js": "@graphiql/plugin-explorer/dist/index.umd.js",
}
_CDN = re.compile(r"https://unpkg\.com/((?:@[\w.-]+/)?[\w.-]+)@[\w.-]+/([\w./-]+)")
_SRI = re.compile(r'\s+(?:integrity="[^"]*"|crossorigin)')
_MEDIA = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@cache
def graphiql_html() -> str:
    """Strawberry's GraphiQL page, every script and style sheet from this service."""
    page = get_graphql_ide_html(graphql_ide="graphiql")
    page = _CDN.sub(lambda m: f"{PREFIX}/{m.group(1)}/{m.group(2)}", page)
    return _SRI.sub("", page)


def installed() -> bool:
    """Whether every GraphiQL file is installed (``make install``)."""
    return all((MODULES / f).is_file() for f in ASSETS.values())


def install_graphiql(app: FastAPI) -> None:
    """GET /graphql: the page; GET /graphiql-assets/...: its files (demo mode only)."""

    @app.get("/graphql", include_in_schema=False)
    async def graphiql() -> Response:
        if not installed():
            return JSONResponse(
                {
                    "code": "GRAPHIQL_NOT_INSTALLED",
                    "message": "GraphiQL 的页面文件未安装，请先运行 make install",
                },
                status_code=503,
            )
        return HTMLResponse(graphiql_html())

    @app.get(PREFIX + "/{name:path}", include_in_schema=False)
    async def asset(name: str) -> Response:
        found = ASSETS.get(name)
        if found is None or not (MODULES / found).is_file():
            return JSONResponse({"code": "NOT_FOUND", "message": "未找到该文件"}, status_code=404)
        media = _MEDIA.get(Path(found).suffix, "application/octet-stream")
        return FileResponse(MODULES / found, media_type=media)
