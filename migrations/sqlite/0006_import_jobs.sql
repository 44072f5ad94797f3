-- Imports sent over HTTP run in the background; their progress and report are kept here, so
-- that any server sharing the store answers GET /api/imports/{id}. Same table as
-- migrations/postgres (0007).
CREATE TABLE import_jobs (
    -- 128 random bits in hex: a job's id tells nothing of the others.
    id           TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 32),
    -- Who started it (`token:ID`, `account:ID`) and, for a contributor, its authority: they,
    -- that authority's contributors and moderators may read it.
    actor        TEXT NOT NULL,
    authority    TEXT,
    file         TEXT NOT NULL,
    dry_run      BOOLEAN NOT NULL,
    -- running, done (the report says what was written), refused (the file or its rows were
    -- refused, nothing written) or failed (the service could not finish; nothing written).
    state        TEXT NOT NULL CHECK (state IN ('running', 'done', 'refused', 'failed')),
    rows_total   BIGINT,
    rows_checked BIGINT NOT NULL DEFAULT 0,
    -- The same JSON report as `atlaas import --report json`, once finished.
    report       TEXT,
    error        TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX import_jobs_created ON import_jobs (created_at);
