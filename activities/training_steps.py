"""Training pipeline activities: each is idempotent (deterministic ids, upserts)."""

from __future__ import annotations

import asyncio
from typing import Any

import azure.durable_functions as df

from reddytalk.agent.brains.local.classifier import load, read_examples
from reddytalk.services import get_services
from reddytalk.training.examples import call_examples, collect_call_examples
from reddytalk.training.jobs import CallCandidate
from reddytalk.training.models import ModelRegistry, merge

bp = df.Blueprint()


@bp.activity_trigger(input_name="payload")
async def extract_call_examples(payload: dict[str, Any]) -> dict[str, Any]:
    job = CallCandidate.model_validate(payload)
    classifier = await asyncio.to_thread(load)  # trains on first use in this process
    services = get_services()
    return await collect_call_examples(
        services.documents, services.audit, classifier, job.practice_id, job.session_id
    )


@bp.activity_trigger(input_name="payload")
async def snapshot_training_data(payload: dict[str, Any]) -> dict[str, Any]:
    documents = get_services().documents
    data = merge(read_examples(), await call_examples(documents))
    return await ModelRegistry(documents).snapshot(data)


@bp.activity_trigger(input_name="payload")
async def evaluate_intent_model(payload: dict[str, Any]) -> dict[str, Any]:
    return await ModelRegistry(get_services().documents).evaluate(str(payload["version"]))


@bp.activity_trigger(input_name="payload")
async def register_intent_model(payload: dict[str, Any]) -> dict[str, Any]:
    return await ModelRegistry(get_services().documents).register(payload)
