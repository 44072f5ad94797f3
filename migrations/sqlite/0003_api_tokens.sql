-- API tokens: what machines present to write. The token itself is shown once when it is made
-- and never stored; `hash` is its SHA-256 (hex), looked up on every request, so a revocation
-- takes effect at the next request on every server. `prefix` (the first characters) tells a
-- token in lists and logs without giving it away.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    prefix       TEXT NOT NULL UNIQUE,
    hash         TEXT NOT NULL UNIQUE CHECK (length(hash) = 64),
    role         TEXT NOT NULL CHECK (role IN ('contributor', 'moderator', 'admin')),
    -- A contributor writes for one authority; moderators and admins for none in particular.
    authority    TEXT REFERENCES authorities (code),
    label        TEXT NOT NULL CHECK (length(label) > 0),
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT,
    CHECK ((role = 'contributor') = (authority IS NOT NULL))
);
