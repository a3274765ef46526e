"""Shared failure handling: circuit breakers, per-attempt time limits and the incidents of a turn."""
