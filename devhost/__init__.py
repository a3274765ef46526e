"""The local Functions host: runs an unmodified Python v2 Functions + Durable app in-process."""
