-- Contributions: authorities write their own sheets over the API and moderators publish them.
-- Same tables as migrations/sqlite (0004), plus what only PostgreSQL can see: changes made by
-- hand with SQL are logged in the history too.

-- Every change to a sheet row bumps its version: writes through the API send the version they
-- read (If-Match) and are refused when it moved, so no update is lost. The service sets the
-- new version itself; the trigger catches every other writer (an import, a person with psql).
ALTER TABLE initiatives ADD COLUMN version BIGINT NOT NULL DEFAULT 1 CHECK (version >= 1);

CREATE FUNCTION atlaas_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.version = OLD.version THEN
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER initiatives_version BEFORE UPDATE ON initiatives FOR EACH ROW EXECUTE FUNCTION atlaas_bump_version();

-- A trusted authority's contributors publish directly; the others' writes wait for a moderator.
ALTER TABLE authorities ADD COLUMN trusted BOOLEAN NOT NULL DEFAULT FALSE;

-- The working copy of a sheet that is not public yet: a contributor's draft, a proposal
-- awaiting moderation, or one a moderator rejected (with the reason the contributor sees).
-- The public version stays in `initiatives` until a moderator publishes this one. `content`
-- is the JSON of the editable fields (title, summary, body, services, year, website, places).
CREATE TABLE revisions (
    initiative BIGINT PRIMARY KEY REFERENCES initiatives (id) ON DELETE CASCADE,
    state      TEXT NOT NULL CHECK (state IN ('draft', 'proposed', 'rejected')),
    content    TEXT NOT NULL,
    reason     TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX revisions_state ON revisions (state, updated_at);

-- The append-only log of every change: who (an API token, an account, the command line, a
-- database role; never a secret), when, through what, and each field's value before and after
-- (`changes`, a JSON object field -> [before, after]). `public` marks the changes to the
-- published version, which everyone may read; the others only the owner and moderators.
-- No foreign key: the history of a sheet outlives the sheet.
CREATE TABLE history (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    initiative BIGINT NOT NULL,
    version    BIGINT NOT NULL,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    channel    TEXT NOT NULL CHECK (channel IN ('api', 'import', 'cli', 'sql')),
    action     TEXT NOT NULL,
    public     BOOLEAN NOT NULL,
    reason     TEXT,
    changes    TEXT NOT NULL
);
CREATE INDEX history_initiative ON history (initiative, id);

CREATE FUNCTION atlaas_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the history is append-only';
END;
$$;
CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON history FOR EACH ROW EXECUTE FUNCTION atlaas_append_only();
CREATE TRIGGER history_no_truncate BEFORE TRUNCATE ON history FOR EACH STATEMENT EXECUTE FUNCTION atlaas_append_only();

-- Writes of the service set `atlaas.channel` for their transaction (and log their own, richer
-- entries); a change without it was made by hand. It is logged with the database role as the
-- actor, and a change to a sheet's places or services bumps the sheet's version, so that an
-- API client holding the old version cannot overwrite it.
CREATE FUNCTION atlaas_log_sql_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sheet   BIGINT;
    before  JSONB := CASE WHEN TG_OP = 'INSERT' THEN '{}'::jsonb ELSE to_jsonb(OLD) END;
    after   JSONB := CASE WHEN TG_OP = 'DELETE' THEN '{}'::jsonb ELSE to_jsonb(NEW) END;
    diff    JSONB;
    current BIGINT;
BEGIN
    IF coalesce(current_setting('atlaas.channel', true), '') <> '' THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'initiatives' THEN
        sheet := coalesce(after ->> 'id', before ->> 'id')::BIGINT;
        SELECT coalesce(jsonb_object_agg(k, jsonb_build_array(before -> k, after -> k)), '{}'::jsonb) INTO diff
          FROM (SELECT jsonb_object_keys(before || after) AS k) keys
         WHERE k NOT IN ('version', 'updated_at') AND (before -> k) IS DISTINCT FROM (after -> k);
    ELSE
        sheet := coalesce(after ->> 'initiative', before ->> 'initiative')::BIGINT;
        diff := jsonb_build_object(TG_TABLE_NAME, jsonb_build_array(
            CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE before - 'geom' END,
            CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE after - 'geom' END));
        UPDATE initiatives SET version = version + 1 WHERE id = sheet;
    END IF;
    IF diff = '{}'::jsonb THEN
        RETURN NULL;
    END IF;
    SELECT i.version INTO current FROM initiatives i WHERE i.id = sheet;
    INSERT INTO history (initiative, version, at, actor, channel, action, public, changes)
    VALUES (sheet, coalesce(current, 0), to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
            'sql:' || current_user, 'sql', lower(TG_OP), true, diff::TEXT);
    RETURN NULL;
END;
$$;
CREATE TRIGGER initiatives_sql_history AFTER INSERT OR UPDATE OR DELETE ON initiatives FOR EACH ROW EXECUTE FUNCTION atlaas_log_sql_change();
CREATE TRIGGER places_sql_history AFTER INSERT OR UPDATE OR DELETE ON places FOR EACH ROW EXECUTE FUNCTION atlaas_log_sql_change();
CREATE TRIGGER initiative_services_sql_history AFTER INSERT OR UPDATE OR DELETE ON initiative_services FOR EACH ROW EXECUTE FUNCTION atlaas_log_sql_change();
