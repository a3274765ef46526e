-- Migration state, kept beside the legacy tables in its own schema so that it commits atomically
-- with the legacy app's writes (the change log) and survives a crashed migration run.
CREATE SCHEMA IF NOT EXISTS reddytalk_migration;

-- One row per legacy write since capture was installed; consumed (deleted) by `sync` once applied.
CREATE TABLE IF NOT EXISTS reddytalk_migration.changes (
    seq         BIGSERIAL PRIMARY KEY,
    table_name  TEXT NOT NULL,
    key         TEXT NOT NULL,
    op          CHAR(1) NOT NULL,
    old_part    TEXT,
    changed_at  TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE IF NOT EXISTS reddytalk_migration.checkpoints (
    name        TEXT PRIMARY KEY,
    value       TEXT,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE TABLE IF NOT EXISTS reddytalk_migration.quarantine (
    table_name   TEXT NOT NULL,
    legacy_id    TEXT NOT NULL,
    group_key    TEXT NOT NULL,
    reason       TEXT NOT NULL,
    detected_at  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (table_name, legacy_id)
);
CREATE INDEX IF NOT EXISTS quarantine_group ON reddytalk_migration.quarantine (table_name, group_key);

-- How many part documents each session's transcript has in the store, so that sync can delete parts
-- that are no longer needed without querying the store (a query per session is costly on Cosmos DB).
CREATE TABLE IF NOT EXISTS reddytalk_migration.transcript_parts (
    session_id  TEXT PRIMARY KEY,
    parts       INTEGER NOT NULL
);

-- Documents created in the new system after cutover get a legacy id on rollback; remembered here.
CREATE TABLE IF NOT EXISTS reddytalk_migration.id_map (
    container  TEXT NOT NULL,
    doc_id     TEXT NOT NULL,
    legacy_id  TEXT NOT NULL,
    PRIMARY KEY (container, doc_id)
);

CREATE TABLE IF NOT EXISTS reddytalk_migration.control (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    frozen        BOOLEAN NOT NULL DEFAULT FALSE,
    frozen_xid    TEXT,
    system        TEXT NOT NULL DEFAULT 'legacy',
    switched_at   TIMESTAMPTZ
);
INSERT INTO reddytalk_migration.control (id) VALUES (1) ON CONFLICT (id) DO NOTHING;

-- Row trigger: refuses writes during the cutover freeze (unless the rollback writer sets
-- reddytalk_migration.writer = 'rollback') and logs the affected key plus the old partition value.
CREATE OR REPLACE FUNCTION reddytalk_migration.capture() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    key_col   TEXT := TG_ARGV[0];
    part_col  TEXT := TG_ARGV[1];
    new_row   JSONB;
    old_row   JSONB;
    new_key   TEXT;
    old_key   TEXT;
BEGIN
    IF coalesce(current_setting('reddytalk_migration.writer', TRUE), '') <> 'rollback'
       AND EXISTS (SELECT 1 FROM reddytalk_migration.control WHERE frozen) THEN
        RAISE EXCEPTION 'write freeze: legacy table % is read-only during/after cutover', TG_TABLE_NAME
            USING ERRCODE = 'read_only_sql_transaction';
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_row := to_jsonb(NEW);
        new_key := coalesce(new_row ->> key_col, '');
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_row := to_jsonb(OLD);
        old_key := coalesce(old_row ->> key_col, '');
    END IF;
    IF TG_OP = 'UPDATE' AND new_row = old_row THEN
        RETURN NULL;
    END IF;
    IF new_key IS NOT NULL THEN
        INSERT INTO reddytalk_migration.changes (table_name, key, op, old_part)
        VALUES (TG_TABLE_NAME, new_key, left(TG_OP, 1), old_row ->> part_col);
    END IF;
    IF old_key IS NOT NULL AND old_key IS DISTINCT FROM new_key THEN
        INSERT INTO reddytalk_migration.changes (table_name, key, op, old_part)
        VALUES (TG_TABLE_NAME, old_key, 'D', old_row ->> part_col);
    END IF;
    RETURN NULL;
END;
$$;
