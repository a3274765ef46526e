"""Store factories: the connection string in the settings picks the implementation.

``open_documents``/``open_blobs``/``open_queues`` are the only way app code gets a store, so the same
code runs on the embedded stores (the default) and on Cosmos DB / Azure Storage. Vendor SDKs are
imported only when their store is chosen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reddytalk.stores import connection

if TYPE_CHECKING:
    from reddytalk.settings import Settings
    from reddytalk.stores.blobs.base import BlobStore
    from reddytalk.stores.documents.base import DocumentStore
    from reddytalk.stores.queues.base import QueueStore


def open_documents(settings: Settings) -> DocumentStore:
    """The document store named by ``DOCUMENTS_CONNECTION``."""
    target = connection.documents_target(settings.documents_connection.get_secret_value())
    if isinstance(target, connection.Embedded):
        from reddytalk.stores.documents.embedded import EmbeddedDocumentStore

        return EmbeddedDocumentStore(target.path)
    from reddytalk.stores.documents.cosmos import CosmosDocumentStore

    return CosmosDocumentStore(
        target.endpoint, target.key, settings.documents_database, verify_tls=target.verify_tls
    )


def open_blobs(settings: Settings) -> BlobStore:
    """The blob store named by ``BLOBS_CONNECTION``."""
    target = connection.storage_target(settings.blobs_connection.get_secret_value(), "BLOBS_CONNECTION")
    if isinstance(target, connection.Embedded):
        from reddytalk.stores.blobs.embedded import EmbeddedBlobStore

        return EmbeddedBlobStore(target.path)
    from reddytalk.stores.blobs.azure import AzureBlobStore

    return AzureBlobStore(target.connection_string)


def open_queues(settings: Settings) -> QueueStore:
    """The queue store named by ``QUEUES_CONNECTION``."""
    target = connection.storage_target(settings.queues_connection.get_secret_value(), "QUEUES_CONNECTION")
    if isinstance(target, connection.Embedded):
        from reddytalk.stores.queues.embedded import EmbeddedQueueStore

        return EmbeddedQueueStore(target.path)
    from reddytalk.stores.queues.azure import AzureQueueStore

    return AzureQueueStore(target.connection_string)
