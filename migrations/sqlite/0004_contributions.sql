-- Contributions: authorities write their own sheets over the API and moderators publish them.
-- Same tables as migrations/postgres (0005).

-- Every change to a sheet row bumps its version: writes through the API send the version they
-- read (If-Match) and are refused when it moved, so no update is lost. The service sets the
-- new version itself; the trigger catches every other writer (an import, a person with sqlite3).
ALTER TABLE initiatives ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1);
CREATE TRIGGER initiatives_version AFTER UPDATE ON initiatives
WHEN NEW.version = OLD.version
BEGIN
    UPDATE initiatives SET version = OLD.version + 1 WHERE id = NEW.id;
END;

-- A trusted authority's contributors publish directly; the others' writes wait for a moderator.
ALTER TABLE authorities ADD COLUMN trusted INTEGER NOT NULL DEFAULT 0 CHECK (trusted IN (0, 1));

-- The working copy of a sheet that is not public yet: a contributor's draft, a proposal
-- awaiting moderation, or one a moderator rejected (with the reason the contributor sees).
-- The public version stays in `initiatives` until a moderator publishes this one. `content`
-- is the JSON of the editable fields (title, summary, body, services, year, website, places).
CREATE TABLE revisions (
    initiative INTEGER PRIMARY KEY NOT NULL REFERENCES initiatives (id) ON DELETE CASCADE,
    state      TEXT NOT NULL CHECK (state IN ('draft', 'proposed', 'rejected')),
    content    TEXT NOT NULL,
    reason     TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX revisions_state ON revisions (state, updated_at);

-- The append-only log of every change: who (an API token, an account, the command line, never
-- a secret), when, through what, and each field's value before and after (`changes`, a JSON
-- object field -> [before, after]). `public` marks the changes to the published version, which
-- everyone may read; the others (drafts, proposals, rejections) only the owner and moderators.
-- No foreign key: the history of a sheet outlives the sheet.
CREATE TABLE history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    initiative INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    channel    TEXT NOT NULL CHECK (channel IN ('api', 'import', 'cli', 'sql')),
    action     TEXT NOT NULL,
    public     INTEGER NOT NULL CHECK (public IN (0, 1)),
    reason     TEXT,
    changes    TEXT NOT NULL
);
CREATE INDEX history_initiative ON history (initiative, id);
CREATE TRIGGER history_append_only_update BEFORE UPDATE ON history
BEGIN
    SELECT RAISE(ABORT, 'the history is append-only');
END;
CREATE TRIGGER history_append_only_delete BEFORE DELETE ON history
BEGIN
    SELECT RAISE(ABORT, 'the history is append-only');
END;
