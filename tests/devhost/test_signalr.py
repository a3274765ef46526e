"""The SignalR stand-in: official JS client and pysignalr through the app's negotiate and output
binding, REST API semantics, token checks, and the JSON hub protocol details clients rely on."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import websockets
from pysignalr.client import SignalRClient
from pysignalr.exceptions import ServerError
from websockets.asyncio.client import ClientConnection, connect

from devhost.host import HostThread, LocalHost
from devhost.signalr.service import SignalRService

HERE = Path(__file__).parent
REPO = HERE.parents[1]
APP = HERE / "apps" / "signalr_app"
KEY = "test-signalr-access-key-0123456789-with-padding=="
RS = "\x1e"


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostThread]:
    env = {"AzureSignalRConnectionString": f"Endpoint=http://127.0.0.1;Port=1;AccessKey={KEY};Version=1.0;"}
    handle = LocalHost(APP, tmp_path_factory.mktemp("state"), port=0, signalr_port=0, env=env).run_in_thread()
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
async def service() -> AsyncIterator[SignalRService]:
    async with SignalRService(KEY, keepalive=0.2) as svc:
        yield svc


def token(aud: str, key: str = KEY, lifetime: int = 3600, **claims: Any) -> str:
    now = int(time.time())
    return jwt.encode({"aud": aud, "iat": now, "exp": now + lifetime, **claims}, key, algorithm="HS256")


async def send_via_app(host: HostThread, *messages: dict[str, Any]) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.post(f"{host.base_url}/api/send", content=json.dumps(list(messages)))
        assert r.status_code == 202


class NodeClient:
    """``signalr_client.mjs``: the official ``@microsoft/signalr`` client under Node."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, base_url: str, user: str, target: str) -> NodeClient:
        proc = await asyncio.create_subprocess_exec(
            "node", str(HERE / "signalr_client.mjs"), base_url, user, target,
            cwd=REPO, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        return cls(proc)

    async def next_event(self, timeout: float = 10.0) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        assert line, "the node client exited"
        event: dict[str, Any] = json.loads(line)
        return event

    async def stop(self) -> int:
        assert self.proc.stdin is not None
        with contextlib.suppress(Exception):
            self.proc.stdin.write(b"stop\n")
            await self.proc.stdin.drain()
        try:
            return await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            self.proc.kill()
            return await self.proc.wait()


async def stop_pysignalr(client: SignalRClient, task: asyncio.Task[None]) -> None:
    """Stop ``client.run()``. pysignalr leaves its socket open when its loop ends by an exception
    (``async for conn in connect(...)`` does not close ``conn``), so close it here."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    ws = getattr(client._transport, "_ws", None)
    if ws is not None:
        await ws.close()


# -- official client and pysignalr, end to end through the app ------------------------------------


async def test_official_js_client_receives_user_and_group_messages(host: HostThread) -> None:
    node = await NodeClient.start(f"{host.base_url}/api", "u1", "newMessage")
    try:
        connected = await node.next_event()
        assert connected["event"] == "connected" and connected["connectionId"]

        await send_via_app(
            host,
            {"userId": "someone-else", "target": "newMessage", "arguments": ["not for u1"]},
            {"userId": "u1", "target": "newMessage", "arguments": ["hi", {"n": 1}]},
        )
        assert await node.next_event() == {"event": "message", "args": ["hi", {"n": 1}]}

        await send_via_app(host, {"action": "add", "groupName": "front-desk", "userId": "u1"})
        await send_via_app(
            host, {"groupName": "front-desk", "target": "newMessage", "arguments": ["group hello"]}
        )
        assert await node.next_event() == {"event": "message", "args": ["group hello"]}

        await send_via_app(host, {"action": "remove", "groupName": "front-desk", "userId": "u1"})
        await send_via_app(host, {"groupName": "front-desk", "target": "newMessage", "arguments": ["gone"]})
        await send_via_app(host, {"target": "newMessage", "arguments": ["broadcast"]})
        assert await node.next_event() == {"event": "message", "args": ["broadcast"]}
    finally:
        code = await node.stop()
    assert code == 0


async def test_official_js_client_sees_the_reason_when_the_service_closes_it(host: HostThread) -> None:
    node = await NodeClient.start(f"{host.base_url}/api", "u-closed", "newMessage")
    try:
        connected = await node.next_event()
        assert connected["event"] == "connected"
        assert host.host.signalr is not None
        endpoint = host.host.signalr.endpoint
        url = f"{endpoint}/api/hubs/chat/connections/{connected['connectionId']}"
        async with httpx.AsyncClient() as http:
            r = await http.delete(
                url,
                params={"api-version": "2022-06-01", "reason": "shift over"},
                headers={"Authorization": f"Bearer {token(url)}"},
            )
        assert r.status_code == 200
        closed = await node.next_event()
        assert closed["event"] == "closed" and "shift over" in closed["error"]
    finally:
        await node.stop()


async def test_pysignalr_receives_user_and_group_messages_with_exact_target_case(host: HostThread) -> None:
    received: asyncio.Queue[list[Any]] = asyncio.Queue()
    wrong_case: list[Any] = []
    opened = asyncio.Event()
    client = SignalRClient(f"{host.base_url}/api", headers={"x-user-id": "py-user"})

    async def on_message(args: list[Any]) -> None:
        await received.put(args)

    async def on_wrong_case(args: list[Any]) -> None:
        wrong_case.append(args)

    async def on_open() -> None:
        opened.set()

    client.on("newMessage", on_message)
    client.on("NEWMESSAGE", on_wrong_case)
    client.on_open(on_open)
    task = asyncio.create_task(client.run())
    try:
        await asyncio.wait_for(opened.wait(), 10)
        await send_via_app(host, {"userId": "py-user", "target": "newMessage", "arguments": [1, "two"]})
        assert await asyncio.wait_for(received.get(), 10) == [1, "two"]
        await send_via_app(host, {"action": "add", "groupName": "billing", "userId": "py-user"})
        await send_via_app(host, {"groupName": "billing", "target": "newMessage", "arguments": [{"id": "x"}]})
        assert await asyncio.wait_for(received.get(), 10) == [{"id": "x"}]
        assert wrong_case == []  # pysignalr matches targets exactly; the stand-in forwards them as sent
    finally:
        await stop_pysignalr(client, task)


async def test_pysignalr_run_raises_the_reason_when_the_service_closes_it(host: HostThread) -> None:
    opened = asyncio.Event()
    client = SignalRClient(f"{host.base_url}/api", headers={"x-user-id": "py-closed"}, retry_count=0)

    async def on_open() -> None:
        opened.set()

    client.on_open(on_open)
    task = asyncio.create_task(client.run())
    try:
        await asyncio.wait_for(opened.wait(), 10)
        assert host.host.signalr is not None
        url = f"{host.host.signalr.endpoint}/api/hubs/chat/users/py-closed/:closeConnections"
        async with httpx.AsyncClient() as http:
            r = await http.post(
                url,
                params={"api-version": "2022-06-01", "reason": "maintenance"},
                headers={"Authorization": f"Bearer {token(url)}"},
            )
        assert r.status_code == 204
        with pytest.raises(ServerError, match="maintenance"):
            await asyncio.wait_for(task, 10)
    finally:
        await stop_pysignalr(client, task)


# -- tokens ---------------------------------------------------------------------------------------


def client_url(svc: SignalRService, query: str = "") -> str:
    return f"ws://127.0.0.1:{svc.port}/client/?hub=chat{query}"


CLIENT_AUD = "http://127.0.0.1/client/?hub=chat"  # what the SDK mints: port dropped


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(None, id="no-token"),
        pytest.param(token(CLIENT_AUD, key="wrong-signalr-access-key-0123456789abcdef"), id="wrong-key"),
        pytest.param(token(CLIENT_AUD, lifetime=-400), id="expired"),
        pytest.param(token("http://127.0.0.1/api/v1/hubs/chat"), id="wrong-audience-path"),
        pytest.param(token("http://evil.example/client/?hub=chat"), id="wrong-audience-host"),
        pytest.param(
            jwt.encode({"aud": CLIENT_AUD, "exp": int(time.time()) + 60}, None, algorithm="none"),
            id="unsigned",
        ),
    ],
)
async def test_bad_client_tokens_are_rejected_with_401(service: SignalRService, bad: str | None) -> None:
    headers = {"Authorization": f"Bearer {bad}"} if bad else {}
    with pytest.raises(websockets.exceptions.InvalidStatus) as info:
        async with connect(client_url(service), additional_headers=headers):
            pass
    assert info.value.response.status_code == 401
    async with httpx.AsyncClient() as http:
        r = await http.post(
            f"{service.endpoint}/client/negotiate?hub=chat&negotiateVersion=1", headers=headers
        )
    assert r.status_code == 401


async def handshake(ws: ClientConnection) -> None:
    await ws.send('{"protocol": "json", "version": 1}' + RS)
    assert await ws.recv() == "{}" + RS


async def next_message(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    """The next non-ping message."""
    while True:
        frame = await asyncio.wait_for(ws.recv(), timeout)
        assert isinstance(frame, str) and frame.endswith(RS)
        for part in frame.split(RS)[:-1]:
            message: dict[str, Any] = json.loads(part)
            if message.get("type") != 6:
                return message


async def rest(
    svc: SignalRService, method: str, path: str, body: Any = None, key: str = KEY, **params: str
) -> httpx.Response:
    url = f"{svc.endpoint}{path}"
    async with httpx.AsyncClient() as http:
        return await http.request(
            method, url, params=params, json=body, headers={"Authorization": f"Bearer {token(url, key=key)}"}
        )


async def test_browser_style_query_token_and_sdk_style_rest_send(service: SignalRService) -> None:
    query_token = token(CLIENT_AUD, nameid="browser-user")
    async with connect(client_url(service, f"&access_token={query_token}")) as ws:
        await handshake(ws)
        # A token with the wrong key changes nothing; PascalCase bodies (the .NET SDK) are accepted.
        bad = await rest(service, "POST", "/api/hubs/chat/users/browser-user/:send", {"Target": "t", "Arguments": ["x"]},
                         key="wrong-signalr-access-key-0123456789abcdef", **{"api-version": "2022-06-01"})  # fmt: skip
        assert bad.status_code == 401
        good = await rest(service, "POST", "/api/hubs/chat/users/browser-user/:send", {"Target": "t", "Arguments": ["ok"]},
                          **{"api-version": "2022-06-01"})  # fmt: skip
        assert good.status_code == 202
        assert await next_message(ws) == {"type": 1, "target": "t", "arguments": ["ok"]}
        v1 = await rest(service, "POST", "/api/v1/hubs/CHAT", {"target": "all", "arguments": []})
        assert v1.status_code == 202  # hub names are case-insensitive
        assert await next_message(ws) == {"type": 1, "target": "all", "arguments": []}


async def test_two_hop_negotiate_and_connection_ids(service: SignalRService) -> None:
    async with httpx.AsyncClient() as http:
        r = await http.post(
            f"{service.endpoint}/client/negotiate?hub=chat&negotiateVersion=1",
            headers={"Authorization": f"Bearer {token(CLIENT_AUD, nameid='nid')}"},
        )
    assert r.status_code == 200
    body = r.json()
    assert "url" not in body and body["negotiateVersion"] == 1
    assert body["availableTransports"][0]["transport"] == "WebSockets"
    auth = {"Authorization": f"Bearer {token(CLIENT_AUD)}"}
    with pytest.raises(websockets.exceptions.InvalidStatus) as unknown:
        async with connect(client_url(service, "&id=not-a-connection"), additional_headers=auth):
            pass
    assert unknown.value.response.status_code == 404
    async with connect(client_url(service, f"&id={body['connectionToken']}"), additional_headers=auth) as ws:
        await handshake(ws)
        cid = body["connectionId"]
        assert (
            await rest(service, "HEAD", f"/api/hubs/chat/connections/{cid}", **{"api-version": "2022-06-01"})
        ).status_code == 200
        assert (
            await rest(service, "HEAD", "/api/hubs/chat/users/nid", **{"api-version": "2022-06-01"})
        ).status_code == 200
        sent = await rest(service, "POST", f"/api/hubs/chat/connections/{cid}/:send", {"target": "direct", "arguments": [1]},
                          **{"api-version": "2022-06-01"})  # fmt: skip
        assert sent.status_code == 202
        assert await next_message(ws) == {"type": 1, "target": "direct", "arguments": [1]}
        added = await rest(
            service, "PUT", f"/api/hubs/chat/groups/g1/connections/{cid}", **{"api-version": "2022-06-01"}
        )
        assert added.status_code == 200
        await rest(
            service,
            "POST",
            "/api/hubs/chat/groups/g1/:send",
            {"target": "grp", "arguments": []},
            **{"api-version": "2022-06-01"},
        )
        assert (await next_message(ws))["target"] == "grp"
        closed = await rest(
            service,
            "DELETE",
            f"/api/hubs/chat/connections/{cid}",
            reason="shift over",
            **{"api-version": "2022-06-01"},
        )
        assert closed.status_code == 200
        assert await next_message(ws) == {"type": 7, "error": "shift over", "allowReconnect": True}
    missing = await rest(
        service, "HEAD", f"/api/hubs/chat/connections/{cid}", **{"api-version": "2022-06-01"}
    )
    assert missing.status_code == 404
    assert missing.headers["x-ms-error-code"] == "Warning.Connection.NotExisted"


async def test_rest_validation_errors(service: SignalRService) -> None:
    v = {"api-version": "2022-06-01"}
    assert (await rest(service, "POST", "/api/hubs/chat/:send", {"arguments": []}, **v)).status_code == 400
    assert (
        await rest(service, "POST", "/api/hubs/chat/:send", {"target": "t", "arguments": "x"}, **v)
    ).status_code == 400
    assert (
        await rest(service, "POST", "/api/hubs/chat/:send", {"target": "t"})
    ).status_code == 400  # no api-version
    assert (await rest(service, "POST", "/api/hubs/9bad/:send", {"target": "t"}, **v)).status_code == 400
    assert (
        await rest(service, "POST", "/api/hubs/chat/nothing-here", {"target": "t"}, **v)
    ).status_code == 404
    too_big = {"target": "t", "arguments": ["x" * 1_000_001]}
    assert (await rest(service, "POST", "/api/hubs/chat/:send", too_big, **v)).status_code == 413
    user_missing = await rest(service, "GET", "/api/hubs/chat/users/nobody/groups/g", **v)
    assert (user_missing.status_code, user_missing.headers["x-ms-error-code"]) == (
        404,
        "Info.User.NotInGroup",
    )


async def test_user_group_membership_applies_to_future_connections(service: SignalRService) -> None:
    v = {"api-version": "2022-06-01"}
    assert (
        await rest(service, "PUT", "/api/hubs/chat/users/later/groups/night-shift", **v)
    ).status_code == 200
    auth = {"Authorization": f"Bearer {token(CLIENT_AUD, **{'asrs.s.uid': 'later'})}"}
    async with connect(client_url(service), additional_headers=auth) as ws:
        await handshake(ws)
        await rest(
            service,
            "POST",
            "/api/hubs/chat/groups/night-shift/:send",
            {"target": "g", "arguments": ["x"]},
            **v,
        )
        assert await next_message(ws) == {"type": 1, "target": "g", "arguments": ["x"]}


async def test_keepalive_pings_messagepack_refusal_and_client_invocations(service: SignalRService) -> None:
    auth = {"Authorization": f"Bearer {token(CLIENT_AUD)}"}
    async with connect(client_url(service), additional_headers=auth) as ws:
        await handshake(ws)
        assert await asyncio.wait_for(ws.recv(), 2) == '{"type":6}' + RS  # idle: the service pings
        await ws.send('{"type":1,"invocationId":"7","target":"Echo","arguments":["x"]}' + RS)
        reply = await next_message(ws)
        assert reply["type"] == 3 and reply["invocationId"] == "7" and "error" in reply
    async with connect(client_url(service), additional_headers=auth) as ws:
        await ws.send('{"protocol":"messagepack","version":1}' + RS)
        refusal = json.loads((await ws.recv()).rstrip(RS))
        assert "messagepack" in refusal["error"]
