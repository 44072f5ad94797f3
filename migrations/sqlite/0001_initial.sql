-- The Atlaas store, SQLite flavour. PostgreSQL + PostGIS has its own set in migrations/postgres.
-- Points are plain lon/lat columns here: reads go through the in-memory R-tree, so SQLite only
-- needs to give every place back at start-up and after a write.

-- Local authorities taking part in the label. Codes: INSEE (commune), SIREN (EPCI),
-- dep-XX (département), reg-XX (région).
CREATE TABLE authorities (
    code        TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('commune', 'epci', 'departement', 'region')),
    name        TEXT NOT NULL CHECK (length(name) > 0),
    commune     TEXT,
    departement TEXT,
    region      TEXT,
    population  INTEGER NOT NULL DEFAULT 0 CHECK (population >= 0)
);

-- One row per authority and label edition; mentions is a JSON array of mention codes.
CREATE TABLE label_awards (
    authority TEXT NOT NULL REFERENCES authorities (code) ON DELETE CASCADE,
    year      INTEGER NOT NULL CHECK (year BETWEEN 1999 AND 2100),
    arobases  INTEGER NOT NULL CHECK (arobases BETWEEN 1 AND 5),
    mentions  TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (authority, year)
) WITHOUT ROWID;

-- The referential of each edition, as loaded at start-up, so that the database alone says
-- what a sheet's service codes meant in its year.
CREATE TABLE referential_entries (
    edition   INTEGER NOT NULL,
    code      TEXT NOT NULL,
    level     TEXT NOT NULL CHECK (level IN ('theme', 'challenge', 'use', 'service')),
    parent    TEXT,
    label     TEXT NOT NULL,
    published INTEGER NOT NULL CHECK (published IN (0, 1)),
    PRIMARY KEY (edition, code)
) WITHOUT ROWID;

CREATE TABLE initiatives (
    id          INTEGER PRIMARY KEY,
    -- source + external_id make re-imports idempotent (upsert).
    source      TEXT NOT NULL,
    external_id TEXT NOT NULL,
    authority   TEXT NOT NULL REFERENCES authorities (code),
    title       TEXT NOT NULL CHECK (length(title) > 0),
    summary     TEXT NOT NULL,
    body        TEXT NOT NULL,
    year        INTEGER NOT NULL CHECK (year BETWEEN 1999 AND 2100),
    website     TEXT,
    status      TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    sample      INTEGER NOT NULL DEFAULT 0 CHECK (sample IN (0, 1)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    CONSTRAINT initiatives_source_external_id UNIQUE (source, external_id)
);
CREATE INDEX initiatives_authority ON initiatives (authority);
-- Start-up loads the published sheets only.
CREATE INDEX initiatives_status ON initiatives (status);

-- Referential services of a sheet, in the order given (the first is the main one).
CREATE TABLE initiative_services (
    initiative INTEGER NOT NULL REFERENCES initiatives (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    service    TEXT NOT NULL,
    PRIMARY KEY (initiative, position)
) WITHOUT ROWID;
CREATE INDEX initiative_services_service ON initiative_services (service);

-- Places of a sheet; position 0 is the main place.
CREATE TABLE places (
    initiative  INTEGER NOT NULL REFERENCES initiatives (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    label       TEXT,
    address     TEXT,
    postal_code TEXT,
    commune     TEXT NOT NULL,
    lon         REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat         REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    precision   TEXT NOT NULL CHECK (precision IN ('address', 'commune', 'departement')),
    method      TEXT NOT NULL,
    PRIMARY KEY (initiative, position)
) WITHOUT ROWID;
CREATE INDEX places_commune ON places (commune);
