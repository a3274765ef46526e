"""Liveness endpoint for load balancers and the local host's readiness check."""

import azure.functions as func
from pydantic import BaseModel

from api.http import json_endpoint, json_response
from api.routes import describe

bp = func.Blueprint()


class HealthOut(BaseModel):
    status: str


@describe("health", "GET", access="public", summary="Liveness check", response=HealthOut, tags=("meta",))
@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@json_endpoint
async def health(req: func.HttpRequest) -> func.HttpResponse:
    return json_response({"status": "ok"})
