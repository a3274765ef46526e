"""The ``durableClient`` binding value: the URLs the unmodified ``DurableOrchestrationClient`` calls."""

from __future__ import annotations

from typing import Any

WEBHOOK_PATH = "/runtime/webhooks/durabletask"


def client_binding(base_url: str, hub_name: str, connection: str = "Storage") -> dict[str, Any]:
    """The legacy-HTTP binding payload; ``rpcBaseUrl`` points at the same server as the public API."""
    base = f"{base_url.rstrip('/')}{WEBHOOK_PATH}"
    return {
        "taskHubName": hub_name,
        "connectionName": connection,
        "creationUrls": {
            "createNewInstancePostUri": f"{base}/orchestrators/{{functionName}}[/{{instanceId}}]",
            "createAndWaitOnNewInstancePostUri": (
                f"{base}/orchestrators/{{functionName}}[/{{instanceId}}]"
                "?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}"
            ),
        },
        "managementUrls": management_urls(base, "INSTANCEID", hub_name, connection),
        "baseUrl": base,
        "requiredQueryStringParameters": "",
        "rpcBaseUrl": f"{base}/",
        "httpBaseUrl": None,
        "maxGrpcMessageSizeInBytes": None,
    }


def management_urls(
    base: str, instance_id: str, hub_name: str, connection: str = "Storage"
) -> dict[str, str]:
    """The check-status payload (``id``, ``statusQueryGetUri`` …) for one instance under ``base``."""
    query = f"taskHub={hub_name}&connection={connection}"
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
