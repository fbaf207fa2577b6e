"""The HTTP edge: rules every request meets before a route sees it (DESIGN.md "Notes").

Host (DNS rebinding), Origin (cross-site writes and streams), request bodies (JSON only, bounded),
security headers on every response, and the JSON a parser refuses. Pure ASGI middlewares that
read headers and at most a bounded body; never a run, never the engine.
"""

from __future__ import annotations

import ipaddress
import logging
import sys
from collections.abc import Iterable
from email.message import Message as MimeHeader
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketClose

from server.settings import Settings

log = logging.getLogger(__name__)
IMPORT_PATH = "/api/runs/import"  # takes raw checkpoint bytes; its route bounds them itself
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
DEFAULT_PORTS = {"http": 80, "https": 443}


def content_security_policy(frame_ancestors: str, script_hashes: Iterable[str] = ()) -> str:
    """The page's CSP: everything from this origin only, no inline script, no eval.

    `script_hashes` ('sha256-...') admit exact inline scripts; only /docs passes one.
    """
    frame_ancestors = frame_ancestors.strip()
    if not frame_ancestors or any(char in frame_ancestors for char in ";,\r\n"):
        raise ValueError(f"PLAYGROUND_FRAME_ANCESTORS: {frame_ancestors!r} is not one CSP source "
                         "list like 'self' or 'self' https://lms.example.org")
    scripts = " ".join(["'self'", *(f"'{digest}'" for digest in script_hashes)])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        # plotly.js (4.1) needs inline styles: it injects its own stylesheet as a <style> element
        # (without it the layered SVGs of a plot do not overlap, measured in chromium) and
        # sets style attributes through d3 (heatmap image-rendering, rich text); plotly.js
        # issue #7543 (strict-CSP styling) is open. Scripts stay strict: no inline, no eval.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",  # plotly draws heatmaps as <image href="data:image/png;...">
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ])


def origin_of(value: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) origin like 'https://Example.org'; None otherwise
    (`null`, a path, user info or any other scheme)."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if (parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/")
            or parts.query or parts.fragment or parts.username is not None):
        return None
    return parts.scheme, parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme]


def same_host(origin: tuple[str, str, int], host_header: str | None) -> bool:
    """Does the Origin name the host (and port) this request was sent to?"""
    if not host_header:
        return False
    try:
        parts = urlsplit(f"//{host_header}")
        port = parts.port
    except ValueError:
        return False
    scheme, host, origin_port = origin
    return parts.hostname == host and (port or DEFAULT_PORTS[scheme]) == origin_port


def refuse(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


class SecurityHeaders:
    """Adds CSP, nosniff and no-referrer to every HTTP response; a response that brings its own
    CSP (only /docs, for its init script's hash) keeps it."""

    def __init__(self, app: ASGIApp, policy: str) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", self.policy)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class OriginCheck:
    """State-changing REST calls and websocket handshakes must come from this server's own origin
    or an allowed one. No Origin at all (curl, scripts) passes: browsers always send one there."""

    def __init__(self, app: ASGIApp, allowed: frozenset[tuple[str, str, int]]) -> None:
        self.app = app
        self.allowed = allowed

    def allows(self, headers: Headers) -> bool:
        value = headers.get("origin")
        if value is None:
            return True
        origin = origin_of(value)  # `null` (sandboxed frames, file: pages) is never allowed
        return origin is not None and (origin in self.allowed
                                       or same_host(origin, headers.get("host")))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        checked = scope["type"] == "websocket" or (
            scope["type"] == "http" and scope["method"] in STATE_CHANGING)
        if not checked or self.allows(headers := Headers(scope=scope)):
            await self.app(scope, receive, send)
            return
        log.debug("refused Origin %r on %s", headers.get("origin"), scope["type"])
        if scope["type"] == "websocket":  # a close before accept: the server answers 403
            await WebSocketClose(code=1008)(scope, receive, send)
            return
        await refuse(403, f"cross-origin request refused: Origin {headers.get('origin')!r} is not "
                          "this server's origin nor in allowed_origins")(scope, receive, send)


def has_body(headers: Headers) -> bool:
    """A chunked body or a Content-Length above 0 (uvicorn refuses one that is not a number)."""
    length = headers.get("content-length", "0").strip()
    return "transfer-encoding" in headers or not length.isdigit() or int(length) > 0


def media_type(value: str) -> tuple[str, dict[str, str]]:
    """'Application/JSON; charset=UTF-8' -> ('application/json', {'charset': 'utf-8'})."""
    header = MimeHeader()
    header["content-type"] = value
    params = {key.lower(): str(val).lower() for key, val in header.get_params()[1:]}
    return header.get_content_type(), params


class BodyRules:
    """Request bodies: JSON (UTF-8) of at most `max_body_bytes`, or raw bytes for a checkpoint
    import, whose route bounds them by max_upload_bytes. Counts while reading: a body over the
    limit is refused after at most the limit plus one chunk, whatever its Content-Length says."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.limit = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not has_body(headers := Headers(scope=scope)):
            await self.app(scope, receive, send)
            return
        upload = scope["method"] == "POST" and scope["path"] == IMPORT_PATH
        accepted = "application/octet-stream" if upload else "application/json"
        kind, params = media_type(headers.get("content-type", ""))
        if kind != accepted or params.get("charset", "utf-8") not in ("utf-8", "utf8"):
            await refuse(415, f"Content-Type {headers.get('content-type')!r} is not accepted "
                              f"here: send {accepted}")(scope, receive, send)
            return
        if upload:
            await self.app(scope, receive, send)
            return
        too_large = refuse(413, f"request body over max_body_bytes = {self.limit} bytes")
        length = headers.get("content-length")
        if length is not None and length.strip().isdigit() and int(length) > self.limit:
            await too_large(scope, receive, send)  # refused unread
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left: let the app see that
                replay = [message]
                break
            body += message.get("body", b"")
            if len(body) > self.limit:
                await too_large(scope, receive, send)
                return
            if not message.get("more_body", False):
                replay = [{"type": "http.request", "body": bytes(body), "more_body": False}]
                break

        async def replayed() -> Message:
            return replay.pop() if replay else await receive()

        await self.app(scope, replayed, send)


async def json_limit_handler(request: Request, error: HTTPException) -> Response:
    """FastAPI answers 400 to any body its JSON parser raises on, beyond a JSONDecodeError. An
    integer over Python's digit limit (kept: lifting it makes parsing quadratic) or nesting past
    the recursion limit is JSON this server does not take: 422 json_invalid, as for any bad JSON.
    A body that is not UTF-8 (a UnicodeError) stays FastAPI's 400."""
    cause = error.__cause__
    if (error.status_code == 400 and isinstance(cause, ValueError | RecursionError)
            and not isinstance(cause, UnicodeError)):
        if isinstance(cause, RecursionError):
            reason = "nested too deeply"
        elif "integer string conversion" in str(cause):
            reason = f"an integer with more than {sys.get_int_max_str_digits()} digits"
        else:
            reason = str(cause)
        detail = [{"loc": ["body"], "msg": f"JSON decode error: {reason}", "type": "json_invalid"}]
        return JSONResponse({"detail": detail}, status_code=422)
    return await http_exception_handler(request, error)


def trusted_hosts(settings: Settings) -> list[str] | None:
    """Host names to accept, or None for any: bound to loopback, a foreign name in Host means a
    DNS-rebinding page; bound to 0.0.0.0 (a container), the proxy in front decides unless set."""
    try:
        loopback = settings.host == "localhost" or ipaddress.ip_address(settings.host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not settings.allowed_hosts:
        return None
    for name in settings.allowed_hosts:  # TrustedHostMiddleware compares names, never ports
        wildcard = name.startswith("*.") and "*" not in name[1:]
        port = ":" in name and not (name.startswith("[") and name.endswith("]"))  # [v6] is fine
        if not name or ("*" in name and not wildcard) or port or "/" in name:
            raise ValueError(f"PLAYGROUND_ALLOWED_HOSTS: {name!r} is not a host name like "
                             "play.example.org or *.example.org (no scheme, no port)")
    return [*LOOPBACK_NAMES, *settings.allowed_hosts]


def install_edge(app: FastAPI, settings: Settings) -> None:
    """Add the edge middlewares; the last added runs first (headers wrap every answer)."""
    policy = content_security_policy(settings.frame_ancestors)  # checks it before any request
    allowed = frozenset(origin_of(value) for value in settings.allowed_origins)
    if None in allowed:
        raise ValueError(f"PLAYGROUND_ALLOWED_ORIGINS: {settings.allowed_origins!r} holds "
                         "something that is not an origin like https://host[:port]")
    app.add_middleware(BodyRules, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(OriginCheck, allowed=allowed)
    hosts = trusted_hosts(settings)
    if hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts, www_redirect=False)
    app.add_middleware(SecurityHeaders, policy=policy)
