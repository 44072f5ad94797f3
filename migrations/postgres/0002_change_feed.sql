-- The change feed that keeps replicas in step (README: "Several servers on one PostGIS").
--
-- Triggers log every change to a sheet (its row, its places, its services) or to an
-- authority (its row, its awards) in `changes`, whoever writes: a replica, an import, a
-- person with psql. The log is durable and ordered; a NOTIFY on `atlaas_changes` (one per
-- transaction: PostgreSQL folds identical notifications) only wakes the replicas up, which
-- then read the log past the last entry they applied.
--
-- Writing transactions take one advisory lock before their first change (a BEFORE STATEMENT
-- trigger) and keep it until they end: log entries are then numbered in commit order, so a
-- replica that has read up to entry N never sees an entry below N appear later. Writes are
-- few (edits, imports); serializing them costs little and needs no gap bookkeeping.

CREATE TABLE changes (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    initiative BIGINT,
    authority  TEXT,
    at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((initiative IS NULL) <> (authority IS NULL))
);

CREATE FUNCTION atlaas_log_sheet() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed BIGINT;
BEGIN
    IF TG_TABLE_NAME = 'initiatives' THEN
        changed := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
    ELSE
        changed := CASE WHEN TG_OP = 'DELETE' THEN OLD.initiative ELSE NEW.initiative END;
    END IF;
    INSERT INTO changes (initiative) VALUES (changed);
    RETURN NULL;
END;
$$;

CREATE FUNCTION atlaas_log_authority() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'authorities' THEN
        INSERT INTO changes (authority) VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.code ELSE NEW.code END);
    ELSE
        INSERT INTO changes (authority) VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.authority ELSE NEW.authority END);
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION atlaas_serialize() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- 0x41746c61 is "Atla": the one lock key of the change feed.
    PERFORM pg_advisory_xact_lock(1098148961);
    RETURN NULL;
END;
$$;

CREATE FUNCTION atlaas_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('atlaas_changes', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER initiatives_log AFTER INSERT OR UPDATE OR DELETE ON initiatives FOR EACH ROW EXECUTE FUNCTION atlaas_log_sheet();
CREATE TRIGGER places_log AFTER INSERT OR UPDATE OR DELETE ON places FOR EACH ROW EXECUTE FUNCTION atlaas_log_sheet();
CREATE TRIGGER initiative_services_log AFTER INSERT OR UPDATE OR DELETE ON initiative_services FOR EACH ROW EXECUTE FUNCTION atlaas_log_sheet();
CREATE TRIGGER authorities_log AFTER INSERT OR UPDATE OR DELETE ON authorities FOR EACH ROW EXECUTE FUNCTION atlaas_log_authority();
CREATE TRIGGER label_awards_log AFTER INSERT OR UPDATE OR DELETE ON label_awards FOR EACH ROW EXECUTE FUNCTION atlaas_log_authority();

CREATE TRIGGER initiatives_serialize BEFORE INSERT OR UPDATE OR DELETE ON initiatives FOR EACH STATEMENT EXECUTE FUNCTION atlaas_serialize();
CREATE TRIGGER places_serialize BEFORE INSERT OR UPDATE OR DELETE ON places FOR EACH STATEMENT EXECUTE FUNCTION atlaas_serialize();
CREATE TRIGGER initiative_services_serialize BEFORE INSERT OR UPDATE OR DELETE ON initiative_services FOR EACH STATEMENT EXECUTE FUNCTION atlaas_serialize();
CREATE TRIGGER authorities_serialize BEFORE INSERT OR UPDATE OR DELETE ON authorities FOR EACH STATEMENT EXECUTE FUNCTION atlaas_serialize();
CREATE TRIGGER label_awards_serialize BEFORE INSERT OR UPDATE OR DELETE ON label_awards FOR EACH STATEMENT EXECUTE FUNCTION atlaas_serialize();

CREATE TRIGGER initiatives_notify AFTER INSERT OR UPDATE OR DELETE ON initiatives FOR EACH STATEMENT EXECUTE FUNCTION atlaas_notify();
CREATE TRIGGER places_notify AFTER INSERT OR UPDATE OR DELETE ON places FOR EACH STATEMENT EXECUTE FUNCTION atlaas_notify();
CREATE TRIGGER initiative_services_notify AFTER INSERT OR UPDATE OR DELETE ON initiative_services FOR EACH STATEMENT EXECUTE FUNCTION atlaas_notify();
CREATE TRIGGER authorities_notify AFTER INSERT OR UPDATE OR DELETE ON authorities FOR EACH STATEMENT EXECUTE FUNCTION atlaas_notify();
CREATE TRIGGER label_awards_notify AFTER INSERT OR UPDATE OR DELETE ON label_awards FOR EACH STATEMENT EXECUTE FUNCTION atlaas_notify();
