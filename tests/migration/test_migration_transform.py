"""Transform rules, without a database."""

from __future__ import annotations

import datetime as dt

from reddytalk.migration.tables import PATIENTS
from reddytalk.migration.transform import Converter, line_size, transcript_documents


def test_naive_legacy_times_are_local_and_round_trip_through_utc() -> None:
    conv = Converter("America/New_York")
    column = PATIENTS.columns[-2]  # created_at: naive local timestamp
    winter = dt.datetime(2024, 1, 15, 9, 30, 0, 123456)
    summer = dt.datetime(2024, 7, 15, 9, 30)
    assert conv.to_doc(column, winter) == "2024-01-15T14:30:00.123456Z"
    assert conv.to_doc(column, summer) == "2024-07-15T13:30:00.000000Z"
    assert conv.to_row(column, conv.to_doc(column, winter)) == winter


def test_transcripts_split_into_ordered_parts_under_the_size_limit() -> None:
    lines = [
        {"line_id": str(i), "speaker": "caller", "text": "w" * 90, "confidence": None, "timestamp": None}
        for i in range(100)
    ]
    docs = transcript_documents("s1", lines, max_part_bytes=2000)
    assert len(docs) > 1
    assert [d["id"] for d in docs] == [f"s1.{i}" for i in range(len(docs))]
    assert all(d["part_count"] == len(docs) for d in docs)
    assert [line for d in docs for line in d["lines"]] == lines
    assert all(sum(line_size(x) for x in d["lines"]) <= 2000 for d in docs)
