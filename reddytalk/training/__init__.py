"""The training pipeline's domain code: job messages, call examples, intent model registry."""
