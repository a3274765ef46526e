"""The embedded brain: no network, no model download. An intent classifier trained from data,
rule-based slot extraction with a kept date parser, and a dialog policy that drives the tools."""

from reddytalk.agent.brains.local.policy import LocalBrain

__all__ = ["LocalBrain"]
