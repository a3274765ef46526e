"""After a call: fan out the independent post-call steps, purge raw audio, then announce the end."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from reddytalk.calls.contracts import CallEnd

bp = df.Blueprint()

RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=500, max_number_of_attempts=4)


@bp.orchestration_trigger(context_name="context")
def post_call(context: df.DurableOrchestrationContext) -> Any:
    end = CallEnd.model_validate(context.get_input())
    payload = end.model_dump()
    steps = ["save_transcript", "summarize_call", "record_call_metrics", "queue_training_candidate"]
    if end.call.recording_consent:
        steps.append("store_recording")
    results = yield context.task_all(
        [context.call_activity_with_retry(step, RETRY, payload) for step in steps]
    )
    outcome = dict(zip(steps, results, strict=True))
    # Raw audio goes only after the recording (if any) has been assembled from it.
    outcome["purge_call_audio"] = yield context.call_activity_with_retry("purge_call_audio", RETRY, payload)
    yield context.call_activity_with_retry("announce_call_ended", RETRY, {**payload, "outcome": outcome})
    return outcome
