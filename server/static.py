"""The page's files and plotly.js, compressed once and cacheable: a class of 64 on one Wi-Fi
downloaded 300 MB of uncompressed plotly.js (4.8 MB each) before this.

Each file is read and gzipped once (kept in memory, keyed by its mtime) and served with an ETag;
a browser that has it gets 304. Page files revalidate on every load (`no-cache`: a redeploy shows
at once); plotly.js, which only changes with the plotly package, may be kept for a day. Serves
files only, never a directory listing or anything outside its folder.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

COMPRESSIBLE = (".html", ".js", ".css", ".json", ".svg")
REVALIDATE = "no-cache"
TYPES = {".js": "text/javascript", ".json": "application/json", ".svg": "image/svg+xml"}


@dataclass(frozen=True)
class Cached:
    mtime: float
    body: bytes
    gzipped: bytes | None
    etag: str
    media_type: str


class CompressedFiles:
    """An ASGI app serving the files under `directory` (index.html for "/")."""

    def __init__(self, directory: Path, cache_control: str = REVALIDATE) -> None:
        self.directory = directory.resolve()
        self.cache_control = cache_control
        self._cache: dict[Path, Cached] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = self.respond(request.method, scope.get("path", "/"),
                                request.headers.get("accept-encoding", ""),
                                request.headers.get("if-none-match"))
        await response(scope, receive, send)

    def respond(self, method: str, path: str, accept_encoding: str,
                if_none_match: str | None) -> Response:
        if method not in ("GET", "HEAD"):
            return Response("method not allowed", 405, headers={"Allow": "GET, HEAD"})
        file = self._find(path)
        if file is None:
            return Response("not found", 404, media_type="text/plain")
        cached = self._load(file)
        headers = {"ETag": cached.etag, "Cache-Control": self.cache_control,
                   "Vary": "Accept-Encoding"}
        if if_none_match is not None and cached.etag in if_none_match:
            return Response(status_code=304, headers=headers)
        body = cached.body
        if cached.gzipped is not None and "gzip" in accept_encoding.lower():
            body, headers["Content-Encoding"] = cached.gzipped, "gzip"
        if method == "HEAD":
            headers["Content-Length"] = str(len(body))
            return Response(status_code=200, headers=headers, media_type=cached.media_type)
        return Response(body, 200, headers=headers, media_type=cached.media_type)

    def warm(self, names: list[str] | None = None) -> None:
        """Read and compress the files now (at startup, off the event loop): the first student
        must not stall everyone's frames while plotly.js is compressed (0.2 s)."""
        for name in names if names is not None else [str(p.relative_to(self.directory))
                                                     for p in self.directory.rglob("*")]:
            file = self._find(name)
            if file is not None:
                self._load(file)

    def _find(self, path: str) -> Path | None:
        relative = path.lstrip("/") or "index.html"
        file = (self.directory / relative).resolve()
        if file.is_dir():
            file = file / "index.html"
        if not file.is_relative_to(self.directory) or not file.is_file():
            return None
        return file

    def _load(self, file: Path) -> Cached:
        mtime = file.stat().st_mtime
        cached = self._cache.get(file)
        if cached is None or cached.mtime != mtime:
            body = file.read_bytes()
            gzipped = (gzip.compress(body, compresslevel=6, mtime=0)
                       if file.suffix in COMPRESSIBLE else None)
            media_type = (TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0]
                          or "application/octet-stream")
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            cached = Cached(mtime, body, gzipped, etag, media_type)
            self._cache[file] = cached
        return cached
