"""What each legacy table becomes: target container, partition key, fields and quarantine rules.

Quarantine rules are SQL ``CASE`` expressions so that the full load, the sync and the validator all
judge a row the same way, in the database, with the row's references checked in the same statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["ref", "text", "int", "float", "bool", "json", "tstz", "localts", "date"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind


@dataclass(frozen=True)
class Table:
    name: str  # legacy table
    container: str  # document container
    key_type: Literal["int", "uuid"]  # type of the legacy primary key
    partition_field: str  # document field holding the partition key
    columns: tuple[Column, ...]  # every column except ``id``
    reason_sql: str  # CASE ... END giving a quarantine reason for alias ``r`` (NULL = valid)
    parents: tuple[tuple[str, str], ...] = ()  # (parent table, column of this table referring to it)

    @property
    def partition_column(self) -> str:
        """The legacy column the partition key comes from (``id`` when the key is the row's own id)."""
        names = {c.name for c in self.columns}
        return self.partition_field if self.partition_field in names else "id"

    @property
    def grouped(self) -> bool:
        """Transcript lines are grouped into one document per call session."""
        return self.name == "call_transcripts"


def _c(name: str, kind: Kind) -> Column:
    return Column(name, kind)


PATIENT_REASON = """CASE
    WHEN coalesce(btrim({a}.first_name), '') = '' AND coalesce(btrim({a}.last_name), '') = '' THEN 'no_name'
    WHEN {a}.date_of_birth < DATE '1900-01-01' OR {a}.date_of_birth > current_date THEN 'implausible_date_of_birth'
END"""

SESSION_REASON = f"""CASE
    WHEN {{a}}.user_id IS NULL THEN 'missing_user_id'
    WHEN NOT EXISTS (SELECT 1 FROM users u WHERE u.id = {{a}}.user_id) THEN 'orphan_user'
    WHEN {{a}}.patient_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM patients p WHERE p.id = {{a}}.patient_id AND ({PATIENT_REASON.format(a="p")}) IS NULL
    ) THEN 'orphan_patient'
END"""

USERS = Table(
    "users",
    "users",
    "int",
    "id",
    (
        _c("email", "text"),
        _c("password_hash", "text"),
        _c("first_name", "text"),
        _c("last_name", "text"),
        _c("role", "text"),
        _c("is_active", "bool"),
        _c("last_login", "localts"),
        _c("created_at", "tstz"),
        _c("updated_at", "tstz"),
    ),
    "NULL::text",
)

PATIENTS = Table(
    "patients",
    "patients",
    "int",
    "patient_id",
    (
        _c("first_name", "text"),
        _c("last_name", "text"),
        _c("date_of_birth", "date"),
        _c("phone", "text"),
        _c("email", "text"),
        _c("insurance_provider", "text"),
        _c("insurance_id", "text"),
        _c("medical_history", "json"),
        _c("notes", "text"),
        _c("created_by", "ref"),
        _c("created_at", "localts"),
        _c("updated_at", "localts"),
    ),
    PATIENT_REASON.format(a="r"),
)

CALL_SESSIONS = Table(
    "call_sessions",
    "sessions",
    "uuid",
    "user_id",
    (
        _c("user_id", "ref"),
        _c("patient_id", "ref"),
        _c("phone_number", "text"),
        _c("status", "text"),
        _c("started_at", "tstz"),
        _c("ended_at", "tstz"),
        _c("duration_seconds", "int"),
        _c("metadata", "json"),
    ),
    SESSION_REASON.format(a="r"),
    parents=(("users", "user_id"), ("patients", "patient_id")),
)

# Lines: the reason covers the line alone; the session's own validity is checked separately
# (once per session, not once per line) and an invalid session quarantines all of its lines.
CALL_TRANSCRIPTS = Table(
    "call_transcripts",
    "transcripts",
    "int",
    "session_id",
    (
        _c("speaker", "text"),
        _c("text", "text"),
        _c("confidence", "float"),
        _c("timestamp", "localts"),
    ),
    "CASE WHEN r.session_id IS NULL THEN 'missing_session_id' WHEN r.text IS NULL THEN 'missing_text' END",
    parents=(("call_sessions", "session_id"),),
)

TRAINING_DATA = Table(
    "training_data",
    "training",
    "int",
    "type",
    (
        _c("type", "text"),
        _c("input_text", "text"),
        _c("expected_output", "text"),
        _c("metadata", "json"),
        _c("quality_score", "float"),
        _c("created_at", "tstz"),
    ),
    "CASE WHEN coalesce(btrim(r.type), '') = '' THEN 'missing_type' END",
)

MODEL_VERSIONS = Table(
    "model_versions",
    "models",
    "int",
    "version",
    (
        _c("version", "text"),
        _c("model_type", "text"),
        _c("metrics", "json"),
        _c("is_active", "bool"),
        _c("created_at", "tstz"),
    ),
    "CASE WHEN coalesce(btrim(r.version), '') = '' THEN 'missing_version' END",
)

# Parents before children: the order of the full load, of applying a sync batch and of rollback.
TABLES: tuple[Table, ...] = (USERS, PATIENTS, CALL_SESSIONS, CALL_TRANSCRIPTS, TRAINING_DATA, MODEL_VERSIONS)
BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
BY_CONTAINER: dict[str, Table] = {t.container: t for t in TABLES}


def children_of(parent: str) -> list[tuple[Table, str]]:
    """Tables (and their referring column) whose rows' validity depends on rows of ``parent``."""
    return [(t, col) for t in TABLES for p, col in t.parents if p == parent]
