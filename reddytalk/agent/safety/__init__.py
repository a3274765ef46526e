"""Patient safety checks that run before any brain: red flags (911/988) and medical-advice requests."""
