-- People's accounts: a contributor of one authority, a moderator or an admin signs in with an
-- e-mail address and a password. Same tables as migrations/postgres (0006).

-- `password_hash` is an Argon2id hash in the PHC string format (algorithm, parameters and salt
-- inside it); NULL until the person sets a password through a one-time link.
CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Lower case: an address is one account however it is typed.
    email           TEXT NOT NULL UNIQUE CHECK (email = lower(email) AND email LIKE '%_@_%'),
    role            TEXT NOT NULL CHECK (role IN ('contributor', 'moderator', 'admin')),
    authority       TEXT REFERENCES authorities (code),
    password_hash   TEXT,
    created_at      TEXT NOT NULL,
    password_set_at TEXT,
    last_login_at   TEXT,
    disabled_at     TEXT,
    CHECK ((role = 'contributor') = (authority IS NOT NULL))
);

-- One-time links that set a password (the first one, or a forgotten one). Like tokens, only
-- the SHA-256 of the secret is kept; a link is used once and expires.
CREATE TABLE account_links (
    hash       TEXT PRIMARY KEY NOT NULL CHECK (length(hash) = 64),
    account    INTEGER NOT NULL REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX account_links_account ON account_links (account);

-- Signed-in browsers. The cookie carries a random secret; the store keeps its SHA-256, so a
-- copy of the database opens no session. `csrf` is the token a page must send back with each
-- write: it is worth nothing without the cookie, which pages cannot read.
CREATE TABLE sessions (
    hash         TEXT PRIMARY KEY NOT NULL CHECK (length(hash) = 64),
    account      INTEGER NOT NULL REFERENCES accounts (id),
    csrf         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ended_at     TEXT
);
CREATE INDEX sessions_account ON sessions (account);
