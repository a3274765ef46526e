"""The practice domain: practice data, its file format, scheduling and the one booking implementation."""
