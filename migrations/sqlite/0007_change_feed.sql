-- The change log of the embedded store, so that a running server sees what another process
-- wrote to the same file (`atlaas import`, `atlaas sample`, a second server): it polls the
-- log's head and applies the sheets and authorities named past what it has applied. Same
-- table as migrations/postgres (0002); SQLite has one writer at a time, so entries are
-- numbered in commit order without a lock.
--
-- Every write of the service to a sheet touches its `initiatives` row (the version goes up),
-- so the sheet's own row is enough to log it; a change to a place made by hand with sqlite3
-- alone is not seen until that sheet's row changes.

CREATE TABLE changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    initiative INTEGER,
    authority  TEXT,
    at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK ((initiative IS NULL) <> (authority IS NULL))
);

CREATE TRIGGER initiatives_log_insert AFTER INSERT ON initiatives BEGIN
    INSERT INTO changes (initiative) VALUES (NEW.id);
END;
CREATE TRIGGER initiatives_log_update AFTER UPDATE ON initiatives BEGIN
    INSERT INTO changes (initiative) VALUES (NEW.id);
END;
CREATE TRIGGER initiatives_log_delete AFTER DELETE ON initiatives BEGIN
    INSERT INTO changes (initiative) VALUES (OLD.id);
END;

CREATE TRIGGER authorities_log_insert AFTER INSERT ON authorities BEGIN
    INSERT INTO changes (authority) VALUES (NEW.code);
END;
CREATE TRIGGER authorities_log_update AFTER UPDATE ON authorities BEGIN
    INSERT INTO changes (authority) VALUES (NEW.code);
END;
CREATE TRIGGER authorities_log_delete AFTER DELETE ON authorities BEGIN
    INSERT INTO changes (authority) VALUES (OLD.code);
END;

CREATE TRIGGER label_awards_log_insert AFTER INSERT ON label_awards BEGIN
    INSERT INTO changes (authority) VALUES (NEW.authority);
END;
CREATE TRIGGER label_awards_log_update AFTER UPDATE ON label_awards BEGIN
    INSERT INTO changes (authority) VALUES (NEW.authority);
END;
CREATE TRIGGER label_awards_log_delete AFTER DELETE ON label_awards BEGIN
    INSERT INTO changes (authority) VALUES (OLD.authority);
END;
