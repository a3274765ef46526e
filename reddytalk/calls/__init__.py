"""The call pipeline's domain services: audio ingest, turns, session records, post-call work."""
