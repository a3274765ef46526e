"""The embedded SQLite queue: Azure-like visibility, receipts and dequeue counts, across threads and processes."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest

from localqueue import InvalidQueueName, LocalQueue, MessageNotFound, connection_path


class FakeClock:
    """A controllable clock so visibility tests do not sleep."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def q(tmp_path: Path, clock: FakeClock) -> LocalQueue:
    queue = LocalQueue(tmp_path / "deep" / "q.sqlite3", clock=clock)
    yield queue
    queue.close()


def test_send_receive_delete_round_trip(q: LocalQueue) -> None:
    mid = q.send("jobs", "hello")
    [msg] = q.receive("jobs")
    assert (msg.id, msg.body, msg.dequeue_count) == (mid, "hello", 1)
    assert q.count("jobs") == 1
    q.delete("jobs", msg.id, msg.pop_receipt)
    assert q.count("jobs") == 0
    assert q.receive("jobs") == []


def test_messages_come_out_in_order_and_respect_max(q: LocalQueue) -> None:
    for i in range(5):
        q.send("jobs", f"m{i}")
    first = q.receive("jobs", max_messages=3)
    second = q.receive("jobs", max_messages=3)
    assert [m.body for m in first] == ["m0", "m1", "m2"]
    assert [m.body for m in second] == ["m3", "m4"]


def test_received_message_is_hidden_until_timeout_then_redelivered(q: LocalQueue, clock: FakeClock) -> None:
    q.send("jobs", "work")
    [first] = q.receive("jobs", visibility_timeout=30)
    assert first.next_visible_at == clock.now + 30
    clock.now += 29
    assert q.receive("jobs") == []
    clock.now += 1
    [again] = q.receive("jobs")
    assert again.id == first.id
    assert again.dequeue_count == 2
    assert again.pop_receipt != first.pop_receipt
    with pytest.raises(MessageNotFound):
        q.delete("jobs", first.id, first.pop_receipt)  # stale receipt
    q.delete("jobs", again.id, again.pop_receipt)


def test_delayed_send_is_invisible_until_due(q: LocalQueue, clock: FakeClock) -> None:
    q.send("jobs", "later", delay_seconds=10)
    assert q.receive("jobs") == []
    clock.now += 10
    assert [m.body for m in q.receive("jobs")] == ["later"]


def test_update_visibility_issues_new_receipt(q: LocalQueue, clock: FakeClock) -> None:
    q.send("jobs", "x")
    [msg] = q.receive("jobs", visibility_timeout=60)
    receipt = q.update_visibility("jobs", msg.id, msg.pop_receipt, 0)
    assert receipt != msg.pop_receipt
    with pytest.raises(MessageNotFound):
        q.update_visibility("jobs", msg.id, msg.pop_receipt, 10)
    [back] = q.receive("jobs")
    assert back.dequeue_count == 2


def test_delete_unknown_message_raises(q: LocalQueue) -> None:
    with pytest.raises(MessageNotFound):
        q.delete("jobs", "nope", "nope")


def test_queues_are_separate_and_listed(q: LocalQueue) -> None:
    q.send("alpha", "a")
    q.send("beta-1", "b")
    assert q.queues() == ["alpha", "beta-1"]
    assert [m.body for m in q.receive("beta-1")] == ["b"]
    assert q.count("alpha") == 1
    assert q.clear("alpha") == 1
    assert q.queues() == ["beta-1"]


@pytest.mark.parametrize("name", ["ab", "Jobs", "a--b", "-ab", "ab-", "a_b", "x" * 64, ""])
def test_invalid_queue_names_are_refused(q: LocalQueue, name: str) -> None:
    with pytest.raises(InvalidQueueName):
        q.send(name, "x")


def test_bad_arguments_are_refused(q: LocalQueue) -> None:
    with pytest.raises(ValueError):
        q.receive("jobs", max_messages=33)
    with pytest.raises(ValueError):
        q.receive("jobs", visibility_timeout=-1)
    with pytest.raises(ValueError):
        q.send("jobs", "x" * (64 * 1024 + 1))


def test_messages_survive_reopen(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    with LocalQueue(path) as first:
        first.send("jobs", "persisted")
    with LocalQueue(path) as second:
        assert [m.body for m in second.receive("jobs")] == ["persisted"]


def test_closed_queue_refuses_use(tmp_path: Path) -> None:
    queue = LocalQueue(tmp_path / "q.sqlite3")
    queue.close()
    with pytest.raises(RuntimeError):
        queue.send("jobs", "x")


def test_connection_path() -> None:
    assert connection_path("UseEmbeddedStorage=true;Path=/tmp/x/q.db") == Path("/tmp/x/q.db")
    assert connection_path("UseEmbeddedStorage=true;Path=.data/q.db") == Path.cwd() / ".data/q.db"
    assert connection_path("UseDevelopmentStorage=true") is None
    assert connection_path("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k") is None
    assert connection_path("UseEmbeddedStorage=false;Path=x") is None


def test_threads_never_receive_the_same_message_twice(tmp_path: Path) -> None:
    queue = LocalQueue(tmp_path / "q.sqlite3")
    for i in range(200):
        queue.send("jobs", str(i))
    seen: list[str] = []
    lock = threading.Lock()

    def consume() -> None:
        while batch := queue.receive("jobs", max_messages=4, visibility_timeout=300):
            for msg in batch:
                queue.delete("jobs", msg.id, msg.pop_receipt)
            with lock:
                seen.extend(m.body for m in batch)

    workers = [threading.Thread(target=consume) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    queue.close()
    assert sorted(seen, key=int) == [str(i) for i in range(200)]


def _consume_in_process(path: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    queue = LocalQueue(Path(path))
    got: list[str] = []
    while batch := queue.receive("jobs", max_messages=2, visibility_timeout=300):
        got.extend(m.body for m in batch)
    queue.close()
    out.put(got)


def test_processes_never_receive_the_same_message_twice(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    with LocalQueue(path) as queue:
        for i in range(100):
            queue.send("jobs", str(i))
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_consume_in_process, args=(str(path), out)) for _ in range(3)]
    for p in procs:
        p.start()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    everything = [body for result in results for body in result]
    assert sorted(everything, key=int) == [str(i) for i in range(100)]
