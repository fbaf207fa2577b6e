"""create_app(settings): the FastAPI app, its edge rules, routers, docs, the page and plotly.js,
and the lifespan that starts and stops the training thread. No module-level app state: everything
lives in app.state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import plotly
import torch
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException

from models.engine import default_device
from server.docs import install_docs
from server.edge import install_edge, json_limit_handler
from server.errors import ApiError, api_error_handler, validation_error_handler
from server.logs import install_run_id_filter
from server.routes import health, inspect, landscape, options, runs, stream
from server.settings import Settings
from server.static import CompressedFiles
from server.store import RunStore, database_url, make_engine, migrate
from server.training import Training

log = logging.getLogger(__name__)
FRONTEND = Path(__file__).resolve().parent.parent / "frontend"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
PLACEHOLDER = """<!doctype html><html><head><meta charset="utf-8"><title>nn-playground</title>
</head><body><h1>nn-playground</h1><p>The page is not built yet.
The API is at <a href="/docs">/docs</a>.</p></body></html>"""


def resolve_device(choice: str) -> str:
    """'auto' -> the engine's choice; 'cuda' must exist (fail at startup, not at the first run)."""
    if choice == "auto":
        return str(default_device())
    if choice == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("PLAYGROUND_DEVICE=cuda but torch sees no CUDA device")
    return choice


def open_store(settings: Settings) -> RunStore:
    """The database of this server (created or migrated to the newest schema) and its writer."""
    engine = make_engine(database_url(settings.data_dir, settings.database_url))
    migrate(engine)
    return RunStore(engine)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app for `settings` (default: from PLAYGROUND_* environment variables)."""
    settings = settings or Settings()
    device = resolve_device(settings.device)

    plotly_files = CompressedFiles(PLOTLY_JS.parent, cache_control="public, max-age=86400")
    page_files = CompressedFiles(FRONTEND) if (FRONTEND / "index.html").exists() else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(plotly_files.warm, [PLOTLY_JS.name])
        if page_files is not None:
            await asyncio.to_thread(page_files.warm)
        store = await asyncio.to_thread(open_store, settings)
        training = Training(settings, device, store)
        await asyncio.to_thread(training.saving.restore, training.runs)  # before any request
        training.start(asyncio.get_running_loop())
        app.state.training = training
        try:
            yield
        finally:
            training.stop()
            await asyncio.to_thread(store.close)

    app = FastAPI(title="nn-playground", version="0.1.0", lifespan=lifespan,
                  description="Train small PyTorch networks and watch them learn.",
                  docs_url=None, redoc_url=None)  # /docs comes from server/docs.py, no CDN
    app.state.settings = settings
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(HTTPException, json_limit_handler)
    install_edge(app, settings)
    install_run_id_filter()
    install_docs(app, settings)
    for module in (health, options, runs, inspect, landscape, stream):
        app.include_router(module.router)


    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js(request: Request) -> Response:
        return plotly_files.respond(request.method, PLOTLY_JS.name,
                                    request.headers.get("accept-encoding", ""),
                                    request.headers.get("if-none-match"))

    if page_files is not None:
        app.mount("/", page_files, name="frontend")
    else:
        @app.get("/", include_in_schema=False)
        def placeholder() -> HTMLResponse:
            return HTMLResponse(PLACEHOLDER)
    return app
