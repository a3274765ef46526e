"""``GET /api/openapi.json`` (OpenAPI 3.1) and ``GET /api/docs``, generated from the route registry.

The document is built from the same pydantic models the handlers validate with and serialise, so
it cannot drift from the code; a test checks that every registered HTTP function is declared.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import azure.functions as func
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api.routes import ROUTES, RouteSpec, endpoint
from reddytalk.auth.rbac import needs_token

bp = func.Blueprint()

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An RFC 9457 problem; never carries a stack trace.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "object"},
        "request_id": {"type": "string"},
    },
}
# Every id in a path (uuid hex, "pat-…", "apt-…", practice-file ids) has this shape.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"
_ERROR_TEXT = {
    400: "Invalid input",
    401: "Missing, invalid or revoked credentials",
    403: "The signed-in role may not do this",
    404: "Not found (or belongs to another practice)",
    409: "Conflict with the current state",
    412: "The If-Match ETag is stale",
    413: "Body larger than 1 MB",
    415: "Body is not JSON",
    429: "Too many attempts; see Retry-After",
    502: "An upstream provider failed",
    503: "A dependency is unavailable; retry",
}


def _errors_for(spec: RouteSpec) -> list[int]:
    codes = {400, 503}
    if needs_token(spec.access):
        codes |= {401, 403}
    if spec.access == "signed":
        codes |= {401}
    if spec.path_params:
        codes |= {404}
    if spec.request is not None:
        codes |= {413, 415}
    if spec.method in ("POST", "PATCH", "PUT", "DELETE"):
        codes |= {404, 409, 412}
    if spec.route.startswith("auth/"):
        codes |= {401, 409, 429}
    codes |= set(spec.errors)
    return sorted(codes)


def _models(specs: list[RouteSpec]) -> tuple[dict[tuple[Any, str], Any], dict[str, Any]]:
    inputs = {m for s in specs for m in (s.request,) if m is not None}
    outputs = {s.response for s in specs if s.response is not None}
    pairs: list[tuple[type[BaseModel], Any]] = [
        (m, "validation") for m in sorted(inputs, key=lambda m: m.__name__)
    ]
    pairs += [(m, "serialization") for m in sorted(outputs, key=lambda m: m.__name__)]
    key_map, schema = models_json_schema(pairs, ref_template="#/components/schemas/{model}")
    refs: dict[tuple[Any, str], Any] = {(model, mode): ref for (model, mode), ref in key_map.items()}
    return refs, schema.get("$defs", {})


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def build_openapi(routes: dict[tuple[str, str], RouteSpec] | None = None) -> dict[str, Any]:
    specs = sorted((routes if routes is not None else ROUTES).values(), key=lambda s: (s.route, s.method))
    refs, schemas = _models(specs)
    schemas["Problem"] = PROBLEM_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for spec in specs:
        op: dict[str, Any] = {
            "operationId": f"{spec.method.lower()}_{spec.route.replace('/', '_').replace('{', '').replace('}', '')}",
            "summary": spec.summary,
            "tags": list(spec.tags),
            "x-access": spec.access,
        }
        params: list[dict[str, Any]] = [
            {
                "name": p,
                "in": "path",
                "required": True,
                "schema": {"type": "string", "minLength": 1, "maxLength": 128},
            }
            for p in spec.path_params
        ]
        params += [
            {
                "name": h.name,
                "in": "header",
                "required": h.required,
                "description": h.description,
                "schema": {"type": "string", "minLength": 1, "maxLength": 200},
            }
            for h in spec.headers
        ]
        if spec.query is not None:
            params += _query_parameters(spec.query)
        if params:
            op["parameters"] = params
        if spec.request is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(spec.request, "validation")]}},
            }
        success: dict[str, Any] = {"description": "Success"}
        if spec.response is not None:
            success["content"] = {"application/json": {"schema": refs[(spec.response, "serialization")]}}
        elif spec.content_type is not None:
            body = {"type": "object"} if spec.content_type.endswith("json") else {"type": "string"}
            success["content"] = {spec.content_type: {"schema": body}}
        responses: dict[str, Any] = {str(spec.status): success}
        for code in _errors_for(spec):
            responses[str(code)] = {
                "description": _ERROR_TEXT[code],
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
            }
        op["responses"] = responses
        if needs_token(spec.access):
            op["security"] = [{"bearerAuth": []}]
        paths.setdefault(spec.openapi_path, {})[spec.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ReddyTalk API",
            "version": "1.0.0",
            "description": "AI voice receptionist for medical practices. Every staff route is scoped to the "
            "practice in the caller's token; PHI access is audited.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


@functools.cache
def _document_bytes(route_count: int) -> bytes:
    # Keyed by the number of declared routes: blueprints may be imported after this module.
    return json.dumps(build_openapi(), separators=(",", ":")).encode()


DOCS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ReddyTalk API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
h1{margin-bottom:0}.op{border:1px solid #ddd;border-radius:6px;margin:.6rem 0;padding:.4rem .8rem}
.m{display:inline-block;min-width:4.2rem;font-weight:700}.GET{color:#0a6}.POST{color:#06c}
.PATCH{color:#a60}.DELETE{color:#c22}code{background:#f4f4f4;padding:0 .2rem}
details pre{background:#f8f8f8;overflow:auto;padding:.5rem;font-size:13px}.a{color:#777;font-size:13px}
</style></head><body>
<h1>ReddyTalk API</h1><p>Generated from <a href="openapi.json"><code>/api/openapi.json</code></a>
(OpenAPI 3.1). Staff routes need <code>Authorization: Bearer &lt;access token&gt;</code>.</p>
<div id="ops">Loading…</div>
<script>
fetch("openapi.json").then(r => r.json()).then(doc => {
  const root = document.getElementById("ops"); root.textContent = "";
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const box = document.createElement("div"); box.className = "op";
      const head = document.createElement("div");
      const m = document.createElement("span"); m.className = "m " + method.toUpperCase();
      m.textContent = method.toUpperCase(); head.appendChild(m);
      const p = document.createElement("code"); p.textContent = path; head.appendChild(p);
      const s = document.createElement("span"); s.textContent = " — " + (op.summary || ""); head.appendChild(s);
      const a = document.createElement("div"); a.className = "a";
      a.textContent = "access: " + op["x-access"] + " · responses: " + Object.keys(op.responses).join(", ");
      const d = document.createElement("details"); const sm = document.createElement("summary");
      sm.textContent = "details"; d.appendChild(sm);
      const pre = document.createElement("pre"); pre.textContent = JSON.stringify(op, null, 2); d.appendChild(pre);
      box.append(head, a, d); root.appendChild(box);
    }
  }
});
</script></body></html>
"""


@endpoint(
    bp,
    "openapi.json",
    "GET",
    access="public",
    summary="This API's OpenAPI 3.1 document",
    tags=("meta",),
    content_type="application/json",
)
async def openapi_document(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(
        _document_bytes(len(ROUTES)), status_code=200, headers={"Content-Type": "application/json"}
    )


@endpoint(
    bp,
    "docs",
    "GET",
    access="public",
    summary="Human-readable API documentation",
    tags=("meta",),
    content_type="text/html",
)
async def openapi_docs(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(
        DOCS_HTML,
        status_code=200,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": "default-src 'self' 'unsafe-inline'",
        },
    )
