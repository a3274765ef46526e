"""The training pipeline: ``training_job`` dispatches a queue job to its sub-orchestration.

``collect_call_examples`` turns a finished call into intent examples; ``retrain_intent_model``
snapshots the data, evaluates a candidate on a held-out split and registers it only when its
accuracy does not drop below the active model's.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

bp = df.Blueprint()

RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=1000, max_number_of_attempts=3)


@bp.orchestration_trigger(context_name="context")
def training_job(context: df.DurableOrchestrationContext) -> Any:
    job = context.get_input() or {}
    child_id = f"{context.instance_id}:step"
    if job.get("job") == "call_candidate":
        return (yield context.call_sub_orchestrator("collect_call_examples", job, child_id))
    if job.get("job") == "retrain":
        return (yield context.call_sub_orchestrator("retrain_intent_model", job, child_id))
    return {"error": "unknown_job"}


@bp.orchestration_trigger(context_name="context")
def collect_call_examples(context: df.DurableOrchestrationContext) -> Any:
    job = context.get_input()
    return (yield context.call_activity_with_retry("extract_call_examples", RETRY, job))


@bp.orchestration_trigger(context_name="context")
def retrain_intent_model(context: df.DurableOrchestrationContext) -> Any:
    snapshot = yield context.call_activity_with_retry("snapshot_training_data", RETRY, context.get_input())
    evaluation = yield context.call_activity_with_retry(
        "evaluate_intent_model", RETRY, {"version": snapshot["version"]}
    )
    outcome = {**snapshot, **evaluation, "registered": False}
    if evaluation["accuracy"] >= evaluation["baseline_accuracy"]:
        yield context.call_activity_with_retry("register_intent_model", RETRY, evaluation)
        outcome["registered"] = True
    return outcome
