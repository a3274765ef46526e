"""The public Durable HTTP API (``/runtime/webhooks/durabletask``) through plain HTTP, as ops tools use it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
from durable_harness import Harness


async def wait_status(http: httpx.AsyncClient, url: str, wanted: str) -> httpx.Response:
    for _ in range(400):
        response = await http.get(url)
        if response.json()["runtimeStatus"] == wanted:
            return response
        await asyncio.sleep(0.02)
    raise AssertionError(f"never reached {wanted}")


async def test_start_status_and_event_through_plain_http(host: Harness) -> None:
    async with httpx.AsyncClient(base_url=host.api, headers=host.key_header) as http:
        started = await http.post("/orchestrators/approval/api-1", json={"timeout_seconds": 30})
        assert started.status_code == 202
        links = started.json()
        assert links["id"] == "api-1"
        assert started.headers["Location"] == links["statusQueryGetUri"]
        running = await wait_status(http, links["statusQueryGetUri"], "Running")
        assert running.status_code == 202 and running.headers["Retry-After"] == "5"
        assert running.json()["input"] == {"timeout_seconds": 30}

        wrong_type = await http.post(
            "/instances/api-1/raiseEvent/Approval", content=b"yes", headers={"content-type": "text/plain"}
        )
        assert wrong_type.status_code == 400
        assert "application/json" in wrong_type.json()["ExceptionMessage"]
        missing = await http.post("/instances/nope/raiseEvent/Approval", json={"ok": True})
        assert missing.status_code == 404
        raised = await http.post(
            links["sendEventPostUri"].replace("{eventName}", "Approval"), json={"ok": True}
        )
        assert raised.status_code == 202

        done = await wait_status(http, links["statusQueryGetUri"], "Completed")
        assert done.status_code == 200
        assert done.json()["output"] == {"approved": {"ok": True}}  # public API bodies are parsed once
        gone = await http.post("/instances/api-1/raiseEvent/Approval", json={"ok": True})
        assert gone.status_code == 410
        assert (await http.post("/instances/api-1/terminate?reason=late")).status_code == 410

        hidden = await http.get("/instances/api-1?showInput=false&showHistory=true")
        assert hidden.json()["input"] is None
        kinds = [e["EventType"] for e in hidden.json()["historyEvents"]]
        assert "EventRaised" in kinds and "TimerCreated" in kinds
        assert all("Result" not in e for e in hidden.json()["historyEvents"])


async def test_bad_requests_get_400_and_unknown_ids_404(host: Harness) -> None:
    async with httpx.AsyncClient(base_url=host.api, headers=host.key_header) as http:
        unknown = await http.post("/orchestrators/no_such_orchestrator", json=1)
        assert unknown.status_code == 400 and "no_such_orchestrator" in unknown.json()["Message"]
        bad_json = await http.post(
            "/orchestrators/chain", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert bad_json.status_code == 400
        bad_id = await http.post("/orchestrators/chain/@bad", json=["x"])
        assert bad_id.status_code == 400
        assert (await http.get("/instances/does-not-exist")).status_code == 404
        assert (await http.delete("/instances/does-not-exist")).status_code == 404
        assert (await http.post("/instances/does-not-exist/terminate")).status_code == 404
        assert (await http.delete("/instances/")).status_code == 400  # createdTimeFrom is required
        assert (await http.get("/instances/?createdTimeFrom=yesterday")).status_code == 400
        assert (await http.get("/instances/x?showHistory=maybe")).status_code in (400, 404)


async def test_listing_filters_and_pages_with_a_continuation_token(host: Harness) -> None:
    async with httpx.AsyncClient(base_url=host.api, headers=host.key_header) as http:
        before = datetime.now(UTC) - timedelta(seconds=1)
        for i in range(5):
            # dict bodies work; a bare array or number would fail get_input() as on Azure (SDK quirk)
            started = await http.post(f"/orchestrators/counter_loop/page-{i}", json={"i": 0, "until": 1})
            assert started.status_code == 202
        await http.post("/orchestrators/sleeper/zz-sleeper")
        for i in range(5):
            await wait_status(http, f"/instances/page-{i}", "Completed")
        await wait_status(http, "/instances/zz-sleeper", "Running")

        seen: list[str] = []
        headers: dict[str, str] = {}
        pages = 0
        while True:
            page = await http.get("/instances/?instanceIdPrefix=page-&top=2&showInput=false", headers=headers)
            assert page.status_code == 200
            pages += 1
            seen += [s["instanceId"] for s in page.json()]
            token = page.headers.get("x-ms-continuation-token")
            if not token:
                break
            headers = {"x-ms-continuation-token": token}
        assert pages == 3 and sorted(seen) == [f"page-{i}" for i in range(5)]

        since = before.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        until = (datetime.now(UTC) + timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        running = await http.get(
            f"/instances/?runtimeStatus=Running&createdTimeFrom={since}&createdTimeTo={until}"
        )
        assert [s["instanceId"] for s in running.json()] == ["zz-sleeper"]
        both = await http.get("/instances/?runtimeStatus=Running&runtimeStatus=Completed")
        assert len(both.json()) == 6
        future = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert (await http.get(f"/instances/?createdTimeFrom={future}")).json() == []

        purged = await http.delete(f"/instances/?createdTimeFrom={since}&runtimeStatus=Completed")
        assert purged.status_code == 200 and purged.json() == {"instancesDeleted": 5}
        assert (
            await http.delete(f"/instances/?createdTimeFrom={since}&runtimeStatus=Completed")
        ).status_code == 404


async def test_suspend_resume_terminate_and_rewind_codes(host: Harness) -> None:
    async with httpx.AsyncClient(base_url=host.api, headers=host.key_header) as http:
        await http.post("/orchestrators/sleeper/ctl")
        await wait_status(http, "/instances/ctl", "Running")
        assert (await http.post("/instances/ctl/suspend?reason=pause")).status_code == 202
        await wait_status(http, "/instances/ctl", "Suspended")
        assert (await http.post("/instances/ctl/resume?reason=go")).status_code == 202
        await wait_status(http, "/instances/ctl", "Running")
        assert (await http.post("/instances/ctl/terminate?reason=stop")).status_code == 202
        done = await wait_status(http, "/instances/ctl", "Terminated")
        assert done.status_code == 200 and done.json()["output"] == "stop"
        assert (await http.post("/instances/ctl/rewind?reason=x")).status_code == 410
        assert (await http.post("/instances/ctl/suspend")).status_code == 410

        restarted = await http.post("/instances/ctl/restart?restartWithNewInstanceId=false")
        assert restarted.status_code == 202 and restarted.json()["id"] == "ctl"
        await wait_status(http, "/instances/ctl", "Running")


async def test_entity_endpoints(host: Harness) -> None:
    async with httpx.AsyncClient(base_url=host.api, headers=host.key_header) as http:
        assert (await http.get("/entities/Counter/web")).status_code == 404
        # a text body reaches the entity as a string; the client's double-encoded JSON as a value
        signal = await http.post(
            "/entities/Counter/web?op=add", content=b'"7"', headers={"content-type": "application/json"}
        )
        assert signal.status_code == 202
        bad = await http.post(
            "/entities/Counter/web?op=add", content=b"{", headers={"content-type": "application/json"}
        )
        assert bad.status_code == 400
        for _ in range(200):
            state = await http.get("/entities/Counter/web")
            if state.status_code == 200:
                break
            await asyncio.sleep(0.02)
        assert state.status_code == 200 and state.json() == 7
        listed = await http.get("/entities/counter?fetchState=true")
        assert listed.json() == [
            {
                "entityId": {"name": "counter", "key": "web"},
                "lastOperationTime": listed.json()[0]["lastOperationTime"],
                "state": 7,
            }
        ]


async def test_entity_listing_pages_and_filters(host: Harness) -> None:
    async with httpx.AsyncClient(base_url=host.api, headers=host.key_header) as http:
        for key in ("a", "b", "c"):
            await http.post(f"/entities/Counter/{key}?op=reset")
        for _ in range(200):
            if len((await http.get("/entities/Counter")).json()) == 3:
                break
            await asyncio.sleep(0.02)
        first = await http.get("/entities/Counter?top=2&fetchState=true")
        assert [e["entityId"]["key"] for e in first.json()] == ["a", "b"]
        assert all(e["state"] == 0 for e in first.json())
        token = first.headers["x-ms-continuation-token"]
        rest = await http.get("/entities/Counter?top=2", headers={"x-ms-continuation-token": token})
        assert [e["entityId"]["key"] for e in rest.json()] == ["c"]
        assert "x-ms-continuation-token" not in rest.headers
        future = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert (await http.get(f"/entities/Counter?lastOperationTimeFrom={future}")).json() == []


async def test_start_and_wait_returns_the_output_when_done_in_time(host: Harness) -> None:
    async with httpx.AsyncClient(base_url=host.api, headers=host.key_header) as http:
        done = await http.post(
            "/orchestrators/counter_loop?timeout=10&pollingInterval=1", json={"i": 0, "until": 3}
        )
        assert done.status_code == 200 and done.json() == 3
        slow = await http.post("/orchestrators/sleeper?timeout=0.2&pollingInterval=1")
        assert slow.status_code == 202 and "statusQueryGetUri" in slow.json()
