"""A text-only conversation against a fresh embedded store: what ``reddytalk chat`` and the
scenario suite run. The store is seeded from a practice file and the clock is fixed, so the same
lines give the same conversation every time."""

from __future__ import annotations

import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from reddytalk.agent.brains.base import Brain
from reddytalk.agent.receptionist import Receptionist, ToolUsed, TurnResult
from reddytalk.agent.state import ConversationState
from reddytalk.practice.models import PracticeFile
from reddytalk.practice.repository import PracticeRepository, seed_practice
from reddytalk.stores.documents.base import Query
from reddytalk.stores.documents.embedded import EmbeddedDocumentStore


async def run_chat(
    practice: PracticeFile, lines: list[str], *, now: datetime, brain: Brain, session_id: str = "chat"
) -> dict[str, Any]:
    """Play ``lines`` as caller turns; returns turns, the practice's appointments after, and flags."""
    with tempfile.TemporaryDirectory(prefix="reddytalk-chat-") as folder:
        documents = EmbeddedDocumentStore(Path(folder) / "documents.sqlite3")
        try:
            await seed_practice(documents, practice)
            receptionist = Receptionist(
                documents=documents, brain=brain, practice_id=practice.practice.id, now=lambda: now
            )
            await receptionist.load()
            state = ConversationState()
            turns: list[dict[str, Any]] = []
            for number, line in enumerate(lines, start=1):
                result: TurnResult | None = None
                started = time.perf_counter()
                async for event in receptionist.respond(state, line, turn_key=f"{session_id}:{number}"):
                    if isinstance(event, TurnResult):
                        result = event
                assert result is not None
                elapsed = round((time.perf_counter() - started) * 1000, 2)
                state = result.state
                turns.append(
                    {
                        "caller": line,
                        "reply": result.reply,
                        "tool_calls": [_tool(t) for t in result.tool_calls],
                        "ms": elapsed,
                    }
                )
            repo = PracticeRepository(documents, practice.practice.id)
            appointments = await repo.appointments(statuses=None)
            patients = await documents.query(
                "patients", Query(where={"practice_id": practice.practice.id, "kind": "patient"})
            )
            messages = await documents.query(
                "messages",
                Query(where={"practice_id": practice.practice.id}, partition_key=practice.practice.id),
            )
            return {
                "patients": [
                    {
                        k: d.get(k)
                        for k in ("patient_id", "first_name", "last_name", "dob", "phone", "insurance")
                    }
                    for d in patients.items
                ],
                "messages": [
                    {k: d.get(k) for k in ("id", "kind", "patient_id", "caller_name", "phone", "reason")}
                    for d in messages.items
                ],
                "greeting": receptionist.greeting(recording_disclosure=True),
                "turns": turns,
                "appointments": [a.model_dump(mode="json") for a in appointments],
                "flags": state.flags.model_dump(),
            }
        finally:
            await documents.close()


def _tool(call: ToolUsed) -> dict[str, Any]:
    return {"name": call.name, "arguments": call.arguments, "result": call.result}
