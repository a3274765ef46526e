"""After a call: fan out the independent post-call steps, purge raw audio, then announce the end.

Whatever fails here, the purge still runs: a failed step is recorded in the outcome (and retried
step by step once the fan-out has failed), never allowed to stop the raw audio from being deleted.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from reddytalk.calls.contracts import CallEnd

bp = df.Blueprint()

RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=500, max_number_of_attempts=4)
FAILED = "failed"


@bp.orchestration_trigger(context_name="context")
def post_call(context: df.DurableOrchestrationContext) -> Any:
    end = CallEnd.model_validate(context.get_input())
    payload = end.model_dump()
    steps = ["save_transcript", "summarize_call", "record_call_metrics", "queue_training_candidate"]
    if end.call.recording_consent:
        steps.append("store_recording")
    try:
        results = yield context.task_all(
            [context.call_activity_with_retry(step, RETRY, payload) for step in steps]
        )
        outcome = dict(zip(steps, results, strict=True))
    except Exception:
        # One step failed for good; the others are idempotent, so run each again on its own to
        # learn which, and keep going.
        outcome = {}
        for step in steps:
            outcome[step] = yield from _attempt(context, step, payload)
    # Raw audio goes only after the recording (if any) has been assembled from it.
    outcome["purge_call_audio"] = yield from _attempt(context, "purge_call_audio", payload)
    announced = yield from _attempt(context, "announce_call_ended", {**payload, "outcome": outcome})
    if announced == FAILED:
        outcome["announce_call_ended"] = FAILED
    return outcome


def _attempt(context: df.DurableOrchestrationContext, step: str, payload: dict[str, Any]) -> Any:
    try:
        return (yield context.call_activity_with_retry(step, RETRY, payload))
    except Exception:
        return FAILED
