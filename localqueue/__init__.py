"""A small embedded message queue on SQLite, shared by the app's queue store and the local host."""
