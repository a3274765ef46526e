"""The evaluation's own checks can fail: a scenario that expects a patient or a message that the
call did not produce (or produced twice) is reported, so the figures in docs/agent.md mean something."""

from __future__ import annotations

from agentkit import NOW

from reddytalk.agent.brains.local import LocalBrain
from reddytalk.agent.evaluation import run_scenario
from reddytalk.practice.models import PracticeFile

CALLBACK = ["Can someone call me back about my bill?", "Jordan Miles", "617 555 0188"]


async def test_messages_and_patients_are_checked_both_ways(
    demo: PracticeFile, local_brain: LocalBrain
) -> None:
    ok = {"name": "cb", "say": CALLBACK, "expect": {"messages": [{"kind": "callback"}]}}
    _, problems = await run_scenario(ok, demo, local_brain, NOW)
    assert problems == []
    wrong_kind = ok | {"expect": {"messages": [{"kind": "refill"}]}}
    _, problems = await run_scenario(wrong_kind, demo, local_brain, NOW)
    assert problems == ["no message matching {'kind': 'refill'}"]
    none_expected = ok | {"expect": {}}
    _, problems = await run_scenario(none_expected, demo, local_brain, NOW)
    assert problems == ["1 messages taken, expected 0"]
    patient = ok | {
        "expect": {
            "messages": [{"kind": "callback"}],
            "patients_created": [
                {"first_name": "Jordan", "last_name": "Miles", "date_of_birth": "1990-01-01"}
            ],
        }
    }
    _, problems = await run_scenario(patient, demo, local_brain, NOW)
    assert problems[0] == "0 patients created, expected 1"
