"""Static files next to the Functions routes: the local stand-in for a Static Web App in front of the app.

Azure serves the built web app from Static Web Apps and forwards ``/api`` to the Function App; the
local host does the same from one port when given a folder (``--static DIR``). Reserved paths (the
route prefix, ``/admin``, ``/runtime``) always go to the host; any other GET/HEAD is a file from the
folder or, for paths that are not files (client-side routes), ``index.html`` (SPA fallback). Nothing
here knows the app: it is a folder of files.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

RESERVED = ("admin", "runtime")
# Hashed asset names never change content; everything else is revalidated on each load.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}

mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("image/svg+xml", ".svg")
mimetypes.add_type("application/manifest+json", ".webmanifest")


class StaticFiles:
    """ASGI middleware: serves ``directory`` for non-reserved GET/HEAD paths, else calls ``app``."""

    def __init__(self, app: ASGIApp, directory: Path, route_prefix: str) -> None:
        self.app = app
        self.directory = Path(directory).resolve()
        prefix = route_prefix.strip("/")
        self.reserved = tuple(p for p in (prefix, *RESERVED) if p)
        self.index = self.directory / "index.html"

    def _is_reserved(self, path: str) -> bool:
        first = path.lstrip("/").split("/", 1)[0]
        return first in self.reserved or (not self.reserved and path.startswith("/api"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or self._is_reserved(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        response = self.response_for(scope["path"])
        await response(scope, receive, send)

    def response_for(self, path: str) -> Response:
        target = self._file(path)
        if target is not None:
            cache = IMMUTABLE if "/assets/" in path else REVALIDATE
            return FileResponse(target, headers={"Cache-Control": cache, **SECURITY_HEADERS})
        if Path(path).suffix and not path.endswith(".html"):
            return PlainTextResponse("not found", status_code=404, headers=SECURITY_HEADERS)
        if not self.index.is_file():
            return PlainTextResponse(
                f"the web app is not built ({self.index} is missing)",
                status_code=404,
                headers=SECURITY_HEADERS,
            )
        return FileResponse(self.index, headers={"Cache-Control": REVALIDATE, **SECURITY_HEADERS})

    def _file(self, path: str) -> Path | None:
        """The file under the folder for a URL path; never a path outside it (``..``, symlinks)."""
        relative = path.lstrip("/")
        if not relative or "\x00" in relative:
            return None
        try:
            candidate = (self.directory / relative).resolve()
        except (OSError, ValueError):
            return None
        if not candidate.is_relative_to(self.directory) or not candidate.is_file():
            return None
        return candidate
