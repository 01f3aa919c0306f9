"""The FastAPI app: routers, error answers, static files, security headers and /healthz."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from swagger_ui_bundle import swagger_ui_path

from monitor import __version__
from monitor.config import Config
from monitor.history import NotFound
from monitor.service.jobs import Crawls
from monitor.web.api import api_router
from monitor.web.context import BadRequest, WebContext
from monitor.web.pages import error_page, make_templates, page_router

STATIC = Path(__file__).parent / "static"
DOCS = ("/api/docs", "/api/docs/oauth2-redirect")  # Swagger UI starts with an inline script
# The digest page embeds the digest's own page (inline CSS) in a sandboxed srcdoc frame.
CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
)
log = logging.getLogger("monitor.web")


def create_app(
    *, config: Config, sessions: sessionmaker[Session], crawls: Crawls, token: str | None
) -> FastAPI:
    """The web app over the store ``sessions`` open, starting crawls through ``crawls``.

    With ``token`` set, every write (crawls, attach, detach) needs it; with ``None`` they are
    open, which the service allows only on 127.0.0.1.
    """
    ctx = WebContext(config=config, sessions=sessions, crawls=crawls, token=token)
    app = FastAPI(
        title="press-monitor",
        version=__version__,
        description="Government press releases, their versions, threads and daily digests.",
        docs_url=None,  # served below from local files: the page must work offline
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.include_router(api_router(ctx))
    templates = make_templates(ctx)
    app.state.templates = templates
    app.include_router(page_router(ctx, templates))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/api/docs/assets", StaticFiles(directory=swagger_ui_path), name="swagger")

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="press-monitor API",
            swagger_js_url="/api/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs/assets/swagger-ui.css",
            swagger_favicon_url="/api/docs/assets/favicon-32x32.png",
        )

    @app.get("/healthz", tags=["service"])
    def healthz() -> JSONResponse:
        """200 when a trivial query works, 503 when the database does not answer."""
        try:
            with sessions() as session:
                session.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            log.warning("health check: database error", exc_info=True)
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
            return JSONResponse(
                {"status": "error", "database": "error", "detail": reason}, status_code=503
            )
        return JSONResponse({"status": "ok", "database": "ok"})

    @app.exception_handler(NotFound)
    def not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, str(exc))

    @app.exception_handler(BadRequest)
    def bad_request(request: Request, exc: BadRequest) -> Response:
        return _error(request, 422, str(exc))

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.url.path not in DOCS:
            response.headers.setdefault("Content-Security-Policy", CSP)
        return response

    return app


def _error(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=status)
    return error_page(request, status, message)
