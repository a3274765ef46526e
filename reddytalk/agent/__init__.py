"""The receptionist agent: guardrails, tools, conversation state and the brains that drive them."""
