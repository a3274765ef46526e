"""Training pipeline triggers: the ``training-jobs`` queue, the nightly retrain timer, and an ops
route that asks for a retrain.

The queue trigger validates each message; a malformed one raises, so the host retries it and moves
it to ``training-jobs-poison`` after ``maxDequeueCount`` (host.json). A valid job starts the
``training_job`` orchestration under an id derived from the message, so a redelivered message
starts nothing twice. The intent model is global: only a platform operator may ask for a retrain
over HTTP, and the request is audited. The queue name must equal the ``TRAINING_QUEUE`` setting (trigger bindings
are fixed when the app is indexed).
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime

import azure.durable_functions as df
import azure.functions as func
from pydantic import BaseModel

from api.deps import current_services
from api.guard import current_principal
from api.http import model_response
from api.routes import endpoint
from reddytalk.training.jobs import CallCandidate, Retrain, instance_id, parse_job

bp = df.Blueprint()
log = logging.getLogger(__name__)

QUEUE = "training-jobs"
NIGHTLY = "0 0 3 * * *"  # 03:00 UTC every day


class RetrainQueued(BaseModel):
    request_id: str
    instance_id: str


async def _enqueue(job: Retrain) -> None:
    services = current_services()
    await services.queues.send(services.settings.training_queue, json.dumps(job.model_dump()))


async def start_job(client: df.DurableOrchestrationClient, job: CallCandidate | Retrain) -> bool:
    """Start the job's orchestration unless it already exists; True when started now."""
    instance = instance_id(job)
    existing = await client.get_status(instance)
    if existing and existing.runtime_status is not None:
        return False
    await client.start_new("training_job", instance, job.model_dump())
    return True


@bp.queue_trigger(arg_name="msg", queue_name=QUEUE, connection="QUEUES_CONNECTION")
@bp.durable_client_input(client_name="client")
async def training_queue(msg: func.QueueMessage, client: df.DurableOrchestrationClient) -> None:
    job = parse_job(msg.get_body())
    started = await start_job(client, job)
    outcome = "started" if started else "duplicate"
    log.info("training job received", extra={"instance_id": instance_id(job), "outcome": outcome})


@bp.timer_trigger(schedule=NIGHTLY, arg_name="timer", run_on_startup=False)
async def nightly_retrain(timer: func.TimerRequest) -> None:
    await _enqueue(Retrain(job="retrain", request_id=f"nightly-{datetime.now(UTC).date().isoformat()}"))


@endpoint(
    bp,
    "training/retrain",
    "POST",
    access="operator",
    summary="Queue a retrain of the global intent model (platform operators only; audited; registered "
    "only if held-out accuracy does not drop)",
    response=RetrainQueued,
    status=202,
    tags=("ops",),
)
async def training_retrain(req: func.HttpRequest) -> func.HttpResponse:
    """The intent model is shared by every practice, so only a platform operator may retrain it
    (a practice admin gets 403); every request is written to the audit log first."""
    who = current_principal()
    job = Retrain(job="retrain", request_id=f"ops-{uuid.uuid4().hex}")
    await current_services().audit.record(
        actor_id=who.actor_id,
        practice_id=who.practice_id,
        action="retrain",
        resource_type="intent_model",
        resource_id=instance_id(job),
        purpose="operations",
        outcome="requested",
    )
    await _enqueue(job)
    return model_response(RetrainQueued(request_id=job.request_id, instance_id=instance_id(job)), 202)
