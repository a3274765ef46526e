"""The training pipeline end to end through the local host: queue trigger → ``training_job`` →
sub-orchestrations → activities → the ``training`` and ``models`` containers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from trainingkit import (
    PASSWORD,
    POISON,
    QUEUE,
    TrainingWorld,
    documents,
    finished,
    instances,
    queue,
    seed_call,
    seed_practice_and_admin,
    start_host,
    wait_for,
)

from reddytalk.training.jobs import CallCandidate, Retrain, instance_id


@pytest.fixture(scope="module")
def training_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrainingWorld]:
    state = tmp_path_factory.mktemp("training-host")
    practice_id = seed_practice_and_admin(state)
    handle = start_host(state)
    try:
        r = httpx.post(
            f"{handle.base_url}/api/auth/login",
            json={"email": "ops@training.test", "password": PASSWORD},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        yield TrainingWorld(handle.base_url, state, practice_id, headers, handle)
    finally:
        handle.stop()


BOOK = "I would like to book an appointment for a cleaning"
CANCEL = "I need to cancel my appointment on Friday"


def _candidate(world: TrainingWorld, session_id: str) -> CallCandidate:
    return CallCandidate(job="call_candidate", session_id=session_id, practice_id=world.practice_id)


def _examples(world: TrainingWorld, session_id: str) -> list[dict[str, object]]:
    return [d for d in documents(world.state, "training", "intent_example") if d["session_id"] == session_id]


def test_a_call_candidate_produces_labelled_examples(training_world: TrainingWorld) -> None:
    world = training_world
    seed_call(world.state, world.practice_id, "call-consented", consent=True, callers=[BOOK, CANCEL])
    job = _candidate(world, "call-consented")
    queue(world.state).send(QUEUE, json.dumps(job.model_dump()))
    status = finished(world.base_url, instance_id(job))
    assert status["runtimeStatus"] == "Completed", status
    assert status["output"] == {"examples": 2, "skipped": None}
    examples = sorted(_examples(world, "call-consented"), key=lambda d: str(d["id"]))
    assert [(d["text"], d["intent"]) for d in examples] == [(BOOK, "book"), (CANCEL, "cancel")]
    assert all(0.0 < float(str(d["confidence"])) <= 1.0 for d in examples)
    assert all(set(d) >= {"type", "text", "intent", "confidence"} and "caller" not in d for d in examples)
    audit = [
        e for e in documents(world.state, "audit", world.practice_id) if e["resource_id"] == "call-consented"
    ]
    assert [(e["actor_id"], e["action"], e["purpose"], e["outcome"]) for e in audit] == [
        ("system:training", "read", "model_training", "success")
    ]


def test_a_declined_call_gives_no_examples(training_world: TrainingWorld) -> None:
    world = training_world
    seed_call(world.state, world.practice_id, "call-declined", consent=False, callers=[BOOK])
    job = _candidate(world, "call-declined")
    queue(world.state).send(QUEUE, json.dumps(job.model_dump()))
    status = finished(world.base_url, instance_id(job))
    assert status["output"] == {"examples": 0, "skipped": "no_consent"}
    assert _examples(world, "call-declined") == []


def test_redelivery_starts_nothing_twice(training_world: TrainingWorld) -> None:
    world = training_world
    seed_call(world.state, world.practice_id, "call-twice", consent=True, callers=[CANCEL])
    job = _candidate(world, "call-twice")
    body = json.dumps(job.model_dump())
    q = queue(world.state)
    q.send(QUEUE, body)
    first = finished(world.base_url, instance_id(job))
    q.send(QUEUE, body)
    q.send(QUEUE, body)
    wait_for(lambda: q.count(QUEUE) == 0, what="redelivered messages consumed")
    again = instances(world.base_url, instance_id(job))
    assert [i["instanceId"] for i in again if i["instanceId"] == instance_id(job)] == [instance_id(job)]
    assert again[0]["createdTime"] == first["createdTime"]
    assert len(_examples(world, "call-twice")) == 1


def test_retrain_registers_a_model_version(training_world: TrainingWorld) -> None:
    world = training_world
    seed_call(
        world.state,
        world.practice_id,
        "call-retrain",
        consent=True,
        callers=["could I book a checkup next week please", "I want to cancel the cleaning"],
    )
    job = _candidate(world, "call-retrain")
    queue(world.state).send(QUEUE, json.dumps(job.model_dump()))
    finished(world.base_url, instance_id(job))

    assert httpx.post(f"{world.base_url}/api/training/retrain", timeout=10).status_code == 401
    r = httpx.post(f"{world.base_url}/api/training/retrain", headers=world.admin_headers, timeout=10)
    assert r.status_code == 202, r.text
    status = finished(world.base_url, r.json()["instance_id"], timeout=120)
    assert status["runtimeStatus"] == "Completed", status
    out = status["output"]
    assert out["registered"] is True and out["accuracy"] >= out["baseline_accuracy"] > 0.5
    assert out["test_size"] > 0 and out["train_size"] > out["test_size"]
    models = documents(world.state, "models", out["version"])
    assert [m["accuracy"] for m in models] == [out["accuracy"]]
    active = documents(world.state, "models", "active")
    assert active[0]["active_version"] == out["version"]
    snapshot = [d for d in documents(world.state, "training", "dataset") if d["id"] == out["version"]]
    trained = {t for texts in snapshot[0]["train"].values() for t in texts} | {
        t for texts in snapshot[0]["test"].values() for t in texts
    }
    assert {"I would like to book an appointment for a cleaning"} <= trained

    # The same data again: the same version, compared with itself, stays registered (idempotent).
    again = Retrain(job="retrain", request_id="same-data")
    queue(world.state).send(QUEUE, json.dumps(again.model_dump()))
    second = finished(world.base_url, instance_id(again), timeout=120)["output"]
    assert second["version"] == out["version"] and second["baseline_version"] == out["version"]
    assert second["accuracy"] == second["baseline_accuracy"] and second["registered"] is True


def test_poison_messages_end_in_the_poison_queue_and_the_host_keeps_serving(
    training_world: TrainingWorld,
) -> None:
    world = training_world
    q = queue(world.state)
    bad = [
        "not json",
        json.dumps({"job": "retrain", "request_id": "has spaces"}),
        json.dumps({"job": "nope"}),
    ]
    for body in bad:
        q.send(QUEUE, body)
    wait_for(lambda: q.count(POISON) == len(bad), timeout=30, what="messages in the poison queue")
    assert q.count(QUEUE) == 0
    assert httpx.get(f"{world.base_url}/api/health", timeout=10).status_code == 200
    good = Retrain(job="retrain", request_id="after-poison")
    q.send(QUEUE, json.dumps(good.model_dump()))
    assert finished(world.base_url, instance_id(good), timeout=120)["runtimeStatus"] == "Completed"
    assert instances(world.base_url, "training-retrain-has") == []


def test_the_nightly_timer_queues_a_retrain_that_runs(training_world: TrainingWorld) -> None:
    world = training_world
    host = world.handle.host
    assert host.index is not None
    timer = host.index.functions["nightly_retrain"]
    assert timer.trigger["schedule"] == "0 0 3 * * *"
    # Fire the timer function the way its listener does, on the host's own event loop.
    world.handle.run(timer.callable(timer=None))
    job = Retrain(job="retrain", request_id=f"nightly-{datetime.now(UTC).date().isoformat()}")
    status = finished(world.base_url, instance_id(job), timeout=120)
    assert status["runtimeStatus"] == "Completed" and status["output"]["version"].startswith("v-")
