"""HTTP and trigger Blueprints: the app's edge. They validate input, call domain services or the
durable client, and map errors to JSON problem responses (``api.http``)."""
