"""The ``durableClient`` binding value: the URLs the unmodified ``DurableOrchestrationClient`` calls.

As on Azure, every URL handed out carries the system key (``code=``) and ``requiredQueryStringParameters``
names it. The SDK's own calls go to ``rpcBaseUrl``, which it extends with paths only (it never adds the
required query parameters), so there the key is a path segment: ``/runtime/webhooks/durabletask/rpc/<key>/`` (see
``devhost/guard.py``).
"""

from __future__ import annotations

from typing import Any

WEBHOOK_PATH = "/runtime/webhooks/durabletask"
RPC_PATH = f"{WEBHOOK_PATH}/rpc"  # under the reserved /runtime prefix: no app route can collide


def client_binding(
    base_url: str, hub_name: str, connection: str = "Storage", system_key: str | None = None
) -> dict[str, Any]:
    """The legacy-HTTP binding payload; ``rpcBaseUrl`` reaches the same routes as the public API."""
    root = base_url.rstrip("/")
    base = f"{root}{WEBHOOK_PATH}"
    code = f"code={system_key}" if system_key else ""
    create = f"{base}/orchestrators/{{functionName}}[/{{instanceId}}]"
    return {
        "taskHubName": hub_name,
        "connectionName": connection,
        "creationUrls": {
            "createNewInstancePostUri": f"{create}?{code}" if code else create,
            "createAndWaitOnNewInstancePostUri": (
                f"{create}?timeout={{timeoutInSeconds}}&pollingInterval={{intervalInSeconds}}"
                + (f"&{code}" if code else "")
            ),
        },
        "managementUrls": management_urls(base, "INSTANCEID", hub_name, connection, system_key),
        "baseUrl": base,
        "requiredQueryStringParameters": code,
        "rpcBaseUrl": f"{root}{RPC_PATH}/{system_key}/" if system_key else f"{base}/",
        "httpBaseUrl": None,
        "maxGrpcMessageSizeInBytes": None,
    }


def management_urls(
    base: str,
    instance_id: str,
    hub_name: str,
    connection: str = "Storage",
    system_key: str | None = None,
) -> dict[str, str]:
    """The check-status payload (``id``, ``statusQueryGetUri`` …) for one instance under ``base``."""
    query = f"taskHub={hub_name}&connection={connection}"
    if system_key:
        query += f"&code={system_key}"
    instance = f"{base}/instances/{instance_id}"
    return {
        "id": instance_id,
        "statusQueryGetUri": f"{instance}?{query}",
        "sendEventPostUri": f"{instance}/raiseEvent/{{eventName}}?{query}",
        "terminatePostUri": f"{instance}/terminate?reason={{text}}&{query}",
        "rewindPostUri": f"{instance}/rewind?reason={{text}}&{query}",
        "purgeHistoryDeleteUri": f"{instance}?{query}",
        "restartPostUri": f"{instance}/restart?{query}",
        "suspendPostUri": f"{instance}/suspend?reason={{text}}&{query}",
        "resumePostUri": f"{instance}/resume?reason={{text}}&{query}",
    }
