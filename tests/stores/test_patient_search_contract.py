"""What the staff patient search relies on from every document store (embedded and Cosmos server).

The search (``reddytalk/patients/service.py``) asks for one practice's patients by last-name prefix,
date of birth or phone, sorted by last name, a page at a time. The embedded store answers it from
expression indexes and the Cosmos store from its indexing policy (``containers.py``); either way the
answer must be exactly the documents the filters describe, whatever the index does.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from azure.cosmos.aio import CosmosClient

from reddytalk.settings import Settings
from reddytalk.stores import connection, open_documents
from reddytalk.stores.containers import container, cosmos_indexing_policy
from reddytalk.stores.documents.base import DocumentStore, PatchOp, Prefix, Query
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore

# Last names (already lower-cased, as the search keys are) chosen around the prefix "smi": its
# neighbours in byte order on both sides, ties, non-ASCII letters and a character past "z".
NAMES = {
    "p01": "smith",
    "p02": "smith",
    "p03": "smi",
    "p04": "smiley",
    "p05": "smj",
    "p06": "smh~",
    "p07": "sm",
    "p08": "smí",
    "p09": "smi{",
    "p10": "søren",
    "p11": "zz",
    "p12": "z{",
    "p13": "smiø",
}


@pytest.fixture(params=["embedded", pytest.param("cosmos", marks=pytest.mark.azure)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "embedded":
        return Settings.from_env(
            {"DOCUMENTS_CONNECTION": f"UseEmbeddedStorage=true;Path={tmp_path}/docs.sqlite3"}
        )
    conn = request.getfixturevalue("cosmos_server")
    return Settings.from_env(
        {"DOCUMENTS_CONNECTION": conn, "DOCUMENTS_DATABASE": f"t{uuid.uuid4().hex[:12]}"}
    )


@pytest.fixture
async def store(settings: Settings) -> Any:
    docs = open_documents(settings)
    for pid, name in NAMES.items():
        await docs.create("patients", patient(pid, name))
    yield docs
    await docs.close()


def patient(pid: str, last_name_lc: Any, practice: str = "pr1", **extra: Any) -> dict[str, Any]:
    n = int(pid[1:]) if pid[1:].isdigit() else 0
    return {
        "id": pid,
        "patient_id": pid,
        "practice_id": practice,
        "kind": "patient",
        "last_name_lc": last_name_lc,
        "dob": f"1980-01-{n % 3 + 1:02d}",
        "phone": f"+1555000{n % 2}",
        **extra,
    }


def search(**where: Any) -> Query:
    return Query(where={"practice_id": "pr1", "kind": "patient", **where}, order_by="last_name_lc")


async def ids(store: DocumentStore, query: Query) -> list[str]:
    return [d["id"] for d in (await store.query("patients", query)).items]


def expected(match: Any) -> list[str]:
    """Matching ids sorted by last name (ties in any order: compare as name-sorted groups)."""
    return sorted((pid for pid, name in NAMES.items() if match(pid, name)), key=lambda p: (NAMES[p], p))


def by_name(found: list[str]) -> list[tuple[str, ...]]:
    """Ids as (name, sorted ids of that name) groups, so ties may come in any order."""
    groups: dict[str, list[str]] = {}
    for pid in found:
        groups.setdefault(NAMES[pid], []).append(pid)
    names = [NAMES[p] for p in found]
    assert names == sorted(names), f"not sorted by last name: {names}"
    return [(name, *sorted(group)) for name, group in groups.items()]


@pytest.mark.parametrize("prefix", ["smi", "sm", "s", "smith", "smí", "z", "smiø", "nobody", ""])
async def test_name_prefix_matches_exactly_the_names_that_start_with_it(
    store: DocumentStore, prefix: str
) -> None:
    found = await ids(store, search(last_name_lc=Prefix(prefix)))
    assert by_name(found) == by_name(expected(lambda _, name: name.startswith(prefix)))


async def test_prefix_is_case_sensitive_and_matches_strings_only(store: DocumentStore) -> None:
    await store.create("patients", patient("x1", "Smith"))
    await store.create("patients", patient("x2", 12345))
    await store.create("patients", patient("x3", ["smith"]))
    await store.create("patients", patient("x4", {"smi": "th"}))
    await store.create("patients", patient("x5", None))
    found = await ids(store, search(last_name_lc=Prefix("smi")))
    assert sorted(found) == ["p01", "p02", "p03", "p04", "p09", "p13"]  # not "smí" (p08)
    assert await ids(store, search(last_name_lc=Prefix("123"))) == []
    assert await ids(store, search(last_name_lc=Prefix("["))) == []
    assert await ids(store, search(last_name_lc=Prefix("{"))) == []


async def test_equality_filters_narrow_the_search_to_one_practice_and_kind(store: DocumentStore) -> None:
    await store.create("patients", patient("o1", "smith", practice="pr2"))
    await store.create("patients", patient("o2", "smith", kind="note"))
    no_practice = {k: v for k, v in patient("o3", "smith").items() if k != "practice_id"}
    await store.create("patients", no_practice)
    found = await ids(store, search(last_name_lc=Prefix("smith")))
    assert sorted(found) == ["p01", "p02"]
    other = Query(where={"practice_id": "pr2", "kind": "patient", "last_name_lc": Prefix("smi")})
    assert await ids(store, other) == ["o1"]


async def test_date_of_birth_and_phone_searches_combine_with_the_name_prefix(store: DocumentStore) -> None:
    born = patient("p01", "")["dob"]  # 1980-01-02
    found = await ids(store, search(dob=born))
    assert by_name(found) == by_name(expected(lambda pid, _: patient(pid, "")["dob"] == born))
    both = await ids(store, search(dob=born, last_name_lc=Prefix("smi")))
    assert by_name(both) == by_name(
        expected(lambda pid, name: patient(pid, "")["dob"] == born and name.startswith("smi"))
    )
    phone = await ids(store, search(phone="+15550001"))
    assert by_name(phone) == by_name(expected(lambda pid, _: int(pid[1:]) % 2 == 1))
    assert await ids(store, search(phone="+1555000")) == []  # equality, not prefix
    assert await ids(store, search(dob="1980-01")) == []


async def test_pages_of_a_name_search_return_every_match_once_in_name_order(store: DocumentStore) -> None:
    seen: list[str] = []
    token: str | None = None
    for _ in range(10):
        page = await store.query(
            "patients", replace(search(last_name_lc=Prefix("s")), limit=2, continuation=token)
        )
        assert len(page.items) <= 2
        seen.extend(d["id"] for d in page.items)
        token = page.continuation
        if token is None:
            break
    assert len(seen) == len(set(seen))
    assert by_name(seen) == by_name(expected(lambda _, name: name.startswith("s")))


async def test_the_search_follows_every_write(store: DocumentStore) -> None:
    current = await store.read("patients", "p01", "p01")
    await store.replace("patients", {**current, "last_name_lc": "jones"}, etag=current["_etag"])
    await store.patch("patients", "p02", "p02", [PatchOp("set", "/last_name_lc", "johnson")])
    await store.delete("patients", "p03", "p03")
    await store.upsert("patients", patient("p20", "smithers"))
    assert sorted(await ids(store, search(last_name_lc=Prefix("smi")))) == ["p04", "p09", "p13", "p20"]
    assert await ids(store, search(last_name_lc=Prefix("jo"))) == ["p02", "p01"]


# -- embedded only: the search really uses the indexes ---------------------------------------------


class Recording:
    """The store's connection, recording each statement with its parameters."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.calls: list[tuple[str, Any]] = []

    def execute(self, sql: str, params: Any = ()) -> Any:
        self.calls.append((sql, params))
        return self.db.execute(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)


@pytest.mark.parametrize(
    ("where", "index"),
    [
        ({"last_name_lc": Prefix("smi")}, "ix_patients__practice_id__kind__last_name_lc"),
        ({"dob": "1980-01-02"}, "ix_patients__practice_id__kind__dob__last_name_lc"),
        (
            {"dob": "1980-01-02", "last_name_lc": Prefix("s")},
            "ix_patients__practice_id__kind__dob__last_name_lc",
        ),
        ({"phone": "+15550001"}, "ix_patients__practice_id__kind__phone__last_name_lc"),
    ],
)
async def test_embedded_search_seeks_an_index_and_needs_no_sort(
    tmp_path: Path, where: dict[str, Any], index: str
) -> None:
    store = EmbeddedDocumentStore(tmp_path / "d.sqlite3")
    try:
        await store.create("patients", patient("p01", "smith"))
        recording = Recording(store._db)
        store._db = recording  # type: ignore[assignment]
        await store.query("patients", replace(search(**where), limit=25))
        store._db = recording.db
        ((sql, params),) = [(s, p) for s, p in recording.calls if s.startswith("SELECT")]
        details = [row[3] for row in recording.db.execute("EXPLAIN QUERY PLAN " + sql, params)]
        assert len(details) == 1, details  # no "USE TEMP B-TREE FOR ORDER BY"
        assert details[0].startswith(f"SEARCH documents USING INDEX {index} ("), details
    finally:
        await store.close()


async def test_embedded_store_builds_missing_indexes_and_drops_stale_ones(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    first = EmbeddedDocumentStore(path)
    assert first._db is not None
    first._db.execute('DROP INDEX "ix_patients__practice_id__kind__phone__last_name_lc"')
    first._db.execute("CREATE INDEX ix_patients__old ON documents (json_extract(body, '$.old'))")
    await first.close()
    second = EmbeddedDocumentStore(path)
    try:
        assert second._db is not None
        names = {r[0] for r in second._db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "ix_patients__practice_id__kind__phone__last_name_lc" in names
        assert "ix_patients__old" not in names
    finally:
        await second.close()


@pytest.mark.azure
async def test_cosmos_containers_get_the_declared_indexing_policy(cosmos_server: str) -> None:
    database = f"t{uuid.uuid4().hex[:12]}"
    docs = open_documents(
        Settings.from_env({"DOCUMENTS_CONNECTION": cosmos_server, "DOCUMENTS_DATABASE": database})
    )
    await docs.count("patients", Query())  # creates the container
    await docs.close()
    target = connection.documents_target(cosmos_server)
    assert isinstance(target, connection.Cosmos)
    async with CosmosClient(target.endpoint, credential=target.key, connection_verify=False) as client:
        props = await client.get_database_client(database).get_container_client("patients").read()
    declared = cosmos_indexing_policy(container("patients"))["compositeIndexes"]
    assert declared and props["indexingPolicy"]["compositeIndexes"] == declared
