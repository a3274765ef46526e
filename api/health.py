"""Liveness endpoint for load balancers and the local host's readiness check."""

import azure.functions as func

from api.http import json_endpoint, json_response

bp = func.Blueprint()


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@json_endpoint
async def health(req: func.HttpRequest) -> func.HttpResponse:
    return json_response({"status": "ok"})
