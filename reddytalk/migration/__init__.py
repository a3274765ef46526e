"""Move the legacy Node app's PostgreSQL data into the document store, keep both in step, cut over.

Modules, one job each: ``tables`` (what each legacy table becomes), ``transform`` (row ↔ document),
``source`` (reads from PostgreSQL), ``writer`` (bounded, retrying store writes), ``load`` (full
load with checkpoints), ``sync`` (trigger change log → store), ``validate``, ``cutover`` (and
rollback), ``state``/``checkpoint`` (migration state in PostgreSQL), ``report`` and ``fake_legacy``.
See ``docs/migration.md``.
"""
