"""The stand-in service: one ASGI app (client endpoint + REST API + CORS) on its own port."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from devhost.asgi_server import AsgiServer, bind_socket
from devhost.signalr.client_endpoint import ClientEndpoint
from devhost.signalr.connection_string import build_connection_string
from devhost.signalr.hub import HubState
from devhost.signalr.rest import RestApi

DEFAULT_ACCESS_KEY = "local-dev-signalr-access-key-0123456789abcdef"


class SignalRService:
    """Azure SignalR Service (serverless mode) on ``host:port``; port 0 picks a free one."""

    def __init__(
        self,
        access_key: str = DEFAULT_ACCESS_KEY,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        keepalive: float = 15.0,
        client_timeout: float = 30.0,
    ) -> None:
        self.access_key = access_key
        self.host = host
        self.requested_port = port
        self.state = HubState()
        self.client = ClientEndpoint(
            self.state, access_key, keepalive=keepalive, client_timeout=client_timeout
        )
        self.rest = RestApi(self.state, access_key)
        self._server: AsgiServer | None = None

    def asgi_app(self) -> ASGIApp:
        methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]
        app = Starlette(
            routes=[
                Route("/client/negotiate", self.client.negotiate, methods=["POST", "OPTIONS"]),
                WebSocketRoute("/client/", self.client.websocket),
                WebSocketRoute("/client", self.client.websocket),
                Route("/api/{rest:path}", self.rest.handle, methods=methods),
            ]
        )
        return _Cors(app)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the SignalR service is not started")
        return self._server.port

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def connection_string(self) -> str:
        return build_connection_string(self.host, self.port, self.access_key)

    async def start(self) -> None:
        self._server = AsgiServer(self.asgi_app(), bind_socket(self.host, self.requested_port))
        await self._server.start()

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()
            self._server = None

    async def __aenter__(self) -> SignalRService:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


class _Cors:
    """Browsers: reflect Origin with credentials and answer preflights, like the emulator."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        origin = request.headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        cors = {
            "access-control-allow-origin": origin,
            "access-control-allow-credentials": "true",
            "vary": "Origin",
        }
        if request.method == "OPTIONS":
            cors["access-control-allow-methods"] = request.headers.get("access-control-request-method", "*")
            cors["access-control-allow-headers"] = request.headers.get("access-control-request-headers", "*")
            await Response(status_code=204, headers=cors)(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    (k.encode(), v.encode()) for k, v in cors.items()
                ]
            await send(message)

        await self.app(scope, receive, send_with_cors)
