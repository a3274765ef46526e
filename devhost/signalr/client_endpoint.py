"""The client side of the service: service negotiate (hop 2) and the WebSocket transport.

Negotiated clients (JS, .NET) connect with ``id=<connection token>``; pysignalr and signalrcore skip
the service negotiate and connect without ``id``; both are accepted. Tokens come from the
``Authorization`` header, or the ``access_token`` query for browsers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from devhost.signalr import protocol
from devhost.signalr.hub import ClientConnection, HubState
from devhost.signalr.tokens import TokenRejected, bearer_token, user_id_of, verify

log = logging.getLogger("devhost.signalr")

HANDSHAKE_TIMEOUT = 15.0
CLIENT_PATH = "/client"


class ClientEndpoint:
    def __init__(
        self, state: HubState, access_key: str, *, keepalive: float = 15.0, client_timeout: float = 30.0
    ) -> None:
        self.state = state
        self.access_key = access_key
        self.keepalive = keepalive
        self.client_timeout = client_timeout

    # -- hop 2: POST /client/negotiate?hub=... ---------------------------------------------------

    async def negotiate(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204)
        hub = request.query_params.get("hub", "")
        if not hub:
            return JSONResponse({"error": "the hub query parameter is required"}, status_code=400)
        try:
            claims = verify(
                bearer_token(request.headers, request.query_params),
                self.access_key,
                host=request.url.hostname or "",
                path=CLIENT_PATH,
            )
        except TokenRejected as exc:
            return JSONResponse({"error": f"unauthorized: {exc}"}, status_code=401)
        conn = self.state.negotiate(hub, user_id_of(claims))
        version = _int(request.query_params.get("negotiateVersion"))
        body: dict[str, Any] = {
            "negotiateVersion": 1 if version >= 1 else 0,
            "connectionId": conn.connection_id,
            "availableTransports": [{"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}],
        }
        if version >= 1:
            body["connectionToken"] = conn.connection_token
        else:
            conn.connection_token = conn.connection_id
        return JSONResponse(body)

    # -- WebSocket /client/?hub=...&id=... -------------------------------------------------------

    async def websocket(self, ws: WebSocket) -> None:
        hub = ws.query_params.get("hub", "")
        if not hub:
            await _deny(ws, 400, "the hub query parameter is required")
            return
        try:
            claims = verify(
                bearer_token(ws.headers, ws.query_params),
                self.access_key,
                host=ws.url.hostname or "",
                path=CLIENT_PATH,
            )
        except TokenRejected as exc:
            await _deny(ws, 401, f"unauthorized: {exc}")
            return
        token = ws.query_params.get("id")
        if token:
            conn = self.state.claim(hub, token)
            if conn is None:
                known = self.state.is_known(token)
                await _deny(
                    ws, 409 if known else 404, "connection already active" if known else "no such connection"
                )
                return
        else:
            conn = self.state.open_direct(hub, user_id_of(claims))
        await ws.accept()
        try:
            if await self._handshake(ws):
                await self._run(ws, conn)
        finally:
            self.state.disconnect(conn)

    async def _handshake(self, ws: WebSocket) -> bool:
        try:
            data = await asyncio.wait_for(_receive_frame(ws), HANDSHAKE_TIMEOUT)
        except (TimeoutError, WebSocketDisconnect):
            with contextlib.suppress(Exception):
                await ws.close(1000)
            return False
        error = None
        try:
            request = protocol.parse_frame(data)[0]
            if request.get("protocol") != "json":
                error = f"Requested protocol '{request.get('protocol')}' is not available."
        except (protocol.ProtocolError, IndexError):
            error = "Handshake request is not valid JSON hub protocol."
        if error:
            await ws.send_text(protocol.frame({"error": error}))
            await ws.close(1000)
            return False
        await ws.send_text(protocol.frame({}))
        return True

    async def _run(self, ws: WebSocket, conn: ClientConnection) -> None:
        """Read and write until either side ends; a queued Close drains before the socket closes."""
        reader = asyncio.create_task(self._read(ws, conn))
        writer = asyncio.create_task(self._write(ws, conn))
        done, _ = await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
        if reader in done:
            conn.outbox.put_nowait(None)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer, 5)
        reader.cancel()
        writer.cancel()
        await asyncio.gather(reader, writer, return_exceptions=True)
        with contextlib.suppress(Exception):
            await ws.close(1000)

    async def _read(self, ws: WebSocket, conn: ClientConnection) -> None:
        while True:
            try:
                data = await asyncio.wait_for(_receive_frame(ws), self.client_timeout)
            except TimeoutError:
                conn.close(protocol.close_frame("Client timeout elapsed without receiving a message."))
                return
            except WebSocketDisconnect:
                return
            try:
                messages = protocol.parse_frame(data)
            except protocol.ProtocolError as exc:
                conn.close(protocol.close_frame(f"Protocol error: {exc}"))
                return
            for message in messages:
                kind = message.get("type")
                if kind == protocol.CLOSE:
                    return
                if kind in (protocol.INVOCATION, protocol.STREAM_INVOCATION) and message.get("invocationId"):
                    conn.push(
                        protocol.frame(
                            {
                                "type": protocol.COMPLETION,
                                "invocationId": message["invocationId"],
                                "error": "Serverless mode: client invocations need an upstream, none is configured.",
                            }
                        )
                    )

    async def _write(self, ws: WebSocket, conn: ClientConnection) -> None:
        while True:
            try:
                frame = await asyncio.wait_for(conn.outbox.get(), self.keepalive)
            except TimeoutError:
                frame = protocol.PING_FRAME
            if frame is None:
                return
            try:
                await ws.send_text(frame)
            except Exception:
                return


async def _receive_frame(ws: WebSocket) -> str | bytes:
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    if message.get("text") is not None:
        return str(message["text"])
    return bytes(message.get("bytes") or b"")


async def _deny(ws: WebSocket, status: int, message: str) -> None:
    """Refuse the upgrade with a real HTTP status when the server supports it."""
    if "websocket.http.response" in ws.scope.get("extensions", {}):
        await ws.send_denial_response(
            Response(json.dumps({"error": message}), status, media_type="application/json")
        )
    else:
        await ws.close(1008, message)


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
