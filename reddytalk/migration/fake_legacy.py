"""Realistic legacy data at a chosen volume, with the quirks real data has.

Quirks: NULLs in optional columns; users and patients whose e-mails differ only by case; orphans
(sessions of deleted users or patients, transcript lines of missing sessions or with no session);
rows the new store cannot take (no name, implausible birth date, missing or illegal partition key);
naive local timestamps including the DST gap and overlap; very long transcripts (split into parts)
and one line too large for any document. Deterministic for a given ``seed``; written with COPY.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from dataclasses import dataclass
from typing import Any

from reddytalk.migration import state
from reddytalk.migration.state import Conn

FIRST = ["Ann", "Bob", "Carla", "Deepak", "Elena", "Farid", "Grace", "Hiro", "Ines", "José", "Kofi", "Lena"]
LAST = ["Smith", "García", "O'Brien", "Nguyen", "Kowalski", "Müller", "Okafor", "Reddy", "Lee", "Cohen"]
WORDS = tuple(
    [
        "yes",
        "I",
        "would",
        "like",
        "to",
        "book",
        "an",
        "appointment",
        "for",
        "next",
        "tuesday",
        "morning",
        "please",
        "my",
        "back",
        "hurts",
    ]
)
BASE = dt.datetime(2024, 1, 1, 8, 0)
DST_GAP = dt.datetime(2024, 3, 10, 2, 30)  # does not exist in America/New_York
DST_OVERLAP = dt.datetime(2024, 11, 3, 1, 30)  # exists twice in America/New_York


@dataclass
class FakeOptions:
    patients: int = 1000
    users: int | None = None  # default: patients // 50, at least 5
    sessions: int | None = None  # default: patients // 2, at least 5
    transcript_lines: int | None = None  # default: 10 per patient
    long_transcripts: int = 1  # sessions whose transcript exceeds one document
    long_transcript_lines: int = 2000
    long_line_bytes: int = 1200
    huge_line: bool = True  # one single line larger than a document can hold
    quirks: bool = True
    seed: int = 7


@dataclass
class FakeCounts:
    users: int = 0
    patients: int = 0
    call_sessions: int = 0
    call_transcripts: int = 0
    training_data: int = 0
    model_versions: int = 0


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _local(rng: random.Random, days: int = 600) -> dt.datetime:
    return BASE + dt.timedelta(seconds=rng.randrange(days * 86400), microseconds=rng.randrange(1_000_000))


def _tstz(rng: random.Random) -> dt.datetime:
    offset = dt.timezone(dt.timedelta(hours=rng.choice([-8, -5, 0, 1, 5.5])))
    return _local(rng).replace(tzinfo=offset)


async def _copy(conn: Conn, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> int:
    async with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            await copy.write_row(row)
    if table != "call_sessions":
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) FROM {table}"
        )
    return len(rows)


async def generate(conn: Conn, opts: FakeOptions) -> FakeCounts:
    """Create the legacy schema (if missing) and fill the (empty) tables."""
    rng = random.Random(opts.seed)
    q = opts.quirks
    await state.create_legacy_schema(conn)
    n_users = opts.users or max(5, opts.patients // 50)
    n_sessions = opts.sessions or max(5, opts.patients // 2)
    n_lines = opts.transcript_lines if opts.transcript_lines is not None else opts.patients * 10
    counts = FakeCounts()

    users: list[tuple[Any, ...]] = []
    for i in range(1, n_users + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}{i}@clinic{i % 3}.example".lower()
        if q and i % 25 == 0:  # same address as the previous user, different case
            email = users[-1][1].upper()
        users.append(
            (
                i,
                email,
                "$2b$10$" + "".join(rng.choice("abcdefABCDEF0123456789./") for _ in range(53)),
                first if rng.random() > 0.05 else None,
                last,
                rng.choice(["staff", "admin", "doctor", None] if q else ["staff"]),
                rng.random() > 0.1,
                (DST_GAP if q and i == 2 else DST_OVERLAP if q and i == 3 else _local(rng))
                if rng.random() > 0.2 or i in (2, 3)
                else None,
                _tstz(rng),
                _tstz(rng),
            )
        )
    counts.users = await _copy(
        conn,
        "users",
        [
            "id",
            "email",
            "password_hash",
            "first_name",
            "last_name",
            "role",
            "is_active",
            "last_login",
            "created_at",
            "updated_at",
        ],
        users,
    )

    patients: list[tuple[Any, ...]] = []
    for i in range(1, opts.patients + 1):
        p_first: str | None = rng.choice(FIRST) if not q or rng.random() > 0.03 else None
        p_last: str | None = rng.choice(LAST) if not q or rng.random() > 0.03 else None
        if q and i % 97 == 0:
            p_first = p_last = None if i % 2 else "  "
        dob = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(90 * 365))
        if q and i % 211 == 0:
            dob = dt.date(1850, 2, 3)
        p_email: str | None = (
            f"{(p_first or 'x').strip().lower()}{i}@mail.example" if rng.random() > 0.2 else None
        )
        if q and i % 50 == 0 and patients and patients[-1][5]:
            p_email = str(patients[-1][5]).title()
        history = {
            "allergies": rng.sample(["penicillin", "latex", "nuts"], rng.randrange(3)),
            "smoker": rng.random() < 0.2,
        }
        patients.append(
            (
                i,
                p_first,
                p_last,
                dob if rng.random() > 0.02 else None,
                rng.choice(["(555) 010-%04d", "555.010.%04d", "+1555010%04d"]) % (i % 10000),
                p_email,
                rng.choice(["Aetna", "Cigna", "Medicare", None]),
                f"INS{rng.randrange(10**8):08d}" if rng.random() > 0.3 else None,
                json.dumps(history) if rng.random() > 0.1 else None,
                _sentence(rng, rng.randrange(1, 30)) if rng.random() > 0.5 else None,
                rng.randrange(1, n_users + 1) if not q or rng.random() > 0.02 else 10**6,
                DST_GAP if q and i == 5 else _local(rng),
                _local(rng) if rng.random() > 0.3 else None,
            )
        )
    counts.patients = await _copy(
        conn,
        "patients",
        [
            "id",
            "first_name",
            "last_name",
            "date_of_birth",
            "phone",
            "email",
            "insurance_provider",
            "insurance_id",
            "medical_history",
            "notes",
            "created_by",
            "created_at",
            "updated_at",
        ],
        patients,
    )

    sessions: list[tuple[Any, ...]] = []
    for i in range(n_sessions):
        user_id: int | None = rng.randrange(1, n_users + 1)
        patient_id: int | None = rng.randrange(1, opts.patients + 1) if rng.random() > 0.1 else None
        if q and i % 101 == 3:
            user_id = 10**6 + i  # deleted user
        if q and i % 151 == 4:
            user_id = None
        if q and i % 131 == 5:
            patient_id = 10**6 + i  # deleted patient
        started = _tstz(rng)
        duration = rng.randrange(20, 900)
        sessions.append(
            (
                _uuid(rng),
                user_id,
                patient_id,
                f"+1555{rng.randrange(10**7):07d}",
                rng.choice(["completed", "active", "abandoned"]),
                started,
                started + dt.timedelta(seconds=duration) if rng.random() > 0.05 else None,
                duration,
                json.dumps({"channel": rng.choice(["phone", "web"])}) if rng.random() > 0.3 else None,
            )
        )
    counts.call_sessions = await _copy(
        conn,
        "call_sessions",
        [
            "id",
            "user_id",
            "patient_id",
            "phone_number",
            "status",
            "started_at",
            "ended_at",
            "duration_seconds",
            "metadata",
        ],
        sessions,
    )

    lines: list[tuple[Any, ...]] = []
    line_id = 0

    def add_line(session: uuid.UUID | None, text: str | None, at: dt.datetime) -> None:
        nonlocal line_id
        line_id += 1
        lines.append(
            (
                line_id,
                session,
                "caller" if line_id % 2 else "assistant",
                text,
                rng.random() if rng.random() > 0.1 else None,
                at,
            )
        )

    long_ids = [s[0] for s in sessions[: opts.long_transcripts]]
    for sid in long_ids:
        for k in range(min(opts.long_transcript_lines, n_lines // (2 * len(long_ids)))):
            add_line(sid, _sentence(rng, opts.long_line_bytes // 5), BASE + dt.timedelta(seconds=k))
    if opts.huge_line and sessions:
        add_line(sessions[-1][0], "x" * 2_000_000, BASE)
    orphan_rounds = max(3, n_lines // 500) if q else 0
    orphan_lines = sum(3 if k % 3 == 0 else 1 for k in range(orphan_rounds))
    remaining = max(0, n_lines - len(lines) - orphan_lines)  # so the table holds exactly n_lines
    per_session, extra = divmod(remaining, max(1, len(sessions)))
    for index, s in enumerate(sessions):
        at = _local(rng)
        for _ in range(per_session + (1 if index < extra else 0)):
            at += dt.timedelta(seconds=rng.randrange(1, 20))
            add_line(s[0], _sentence(rng, rng.randrange(3, 25)), at)
    if q:
        for k in range(orphan_rounds):
            add_line(_uuid(rng), "line of a session that no longer exists", _local(rng))
            if k % 3 == 0:
                add_line(None, "line without a session", _local(rng))
                add_line(sessions[k % len(sessions)][0], None, _local(rng))
    counts.call_transcripts = await _copy(
        conn, "call_transcripts", ["id", "session_id", "speaker", "text", "confidence", "timestamp"], lines
    )

    training: list[tuple[Any, ...]] = []
    for i in range(1, max(5, opts.patients // 20) + 1):
        kind: str | None = rng.choice(["intent", "ner", "response", "faq"])
        if q and i % 40 == 0:
            kind = rng.choice(["", None])
        training.append(
            (
                i,
                kind,
                _sentence(rng, 8),
                _sentence(rng, 6),
                json.dumps({"source": "call", "reviewed": rng.random() > 0.5}),
                rng.random(),
                _tstz(rng),
            )
        )
    counts.training_data = await _copy(
        conn,
        "training_data",
        ["id", "type", "input_text", "expected_output", "metadata", "quality_score", "created_at"],
        training,
    )

    models: list[tuple[Any, ...]] = []
    for i in range(1, 21):
        version: str | None = f"v1.{i // 10}.{i % 10}"
        if q and i == 7:
            version = None
        if q and i == 8:
            version = "v1/experimental"
        models.append(
            (
                i,
                version,
                rng.choice(["intent", "asr"]),
                json.dumps({"accuracy": round(rng.random(), 4)}),
                i == 20,
                _tstz(rng),
            )
        )
    counts.model_versions = await _copy(
        conn, "model_versions", ["id", "version", "model_type", "metrics", "is_active", "created_at"], models
    )
    return counts
