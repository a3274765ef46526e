"""Brains decide what to say and which tools to run; all share ``Brain`` from ``base.py``."""
