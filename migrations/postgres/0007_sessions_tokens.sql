-- API tokens made with `breachd token new` and the web pages' sign-in
-- sessions (twin of migrations/sqlite/0007_sessions_tokens.sql). Only
-- hashes are kept: a token's SHA-256 and a session cookie's SHA-256, so a
-- copy of the database signs nobody in. Sessions here are shared by every
-- instance.

CREATE TABLE api_tokens (
    name        TEXT COLLATE "C" PRIMARY KEY NOT NULL,   -- appears in the audit log
    role        TEXT COLLATE "C" NOT NULL,               -- viewer | reporter | admin
    sha256      TEXT COLLATE "C" NOT NULL UNIQUE,        -- hex of the token's SHA-256
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  TEXT COLLATE "C" NOT NULL,
    revoked_at  TIMESTAMPTZ                              -- kept, so a name is never reused
);

CREATE TABLE sessions (
    id            TEXT COLLATE "C" PRIMARY KEY NOT NULL, -- a public handle, for revoking
    secret_sha256 TEXT COLLATE "C" NOT NULL UNIQUE,      -- hex of the cookie value's SHA-256
    subject       TEXT COLLATE "C" NOT NULL,             -- the token's name, or the signed-in email
    role          TEXT COLLATE "C" NOT NULL,
    provider      TEXT COLLATE "C" NOT NULL,             -- "token", or an [[auth.oidc]] id
    created_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,                  -- the absolute lifetime's end
    user_agent    TEXT COLLATE "C" NOT NULL              -- the browser's family only ("Firefox")
);
CREATE INDEX sessions_subject ON sessions (subject);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- An OpenID sign-in between the redirect to the provider and its return:
-- found by its `state` (hashed), used once, bound to the browser that began
-- it, and worthless after ten minutes. The nonce and PKCE verifier are only
-- good with the provider's one-time code, which never reaches the database.
CREATE TABLE sign_in_attempts (
    state_sha256   TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    provider       TEXT COLLATE "C" NOT NULL,
    nonce          TEXT COLLATE "C" NOT NULL,
    pkce_verifier  TEXT COLLATE "C" NOT NULL,
    browser_sha256 TEXT COLLATE "C" NOT NULL,          -- hex SHA-256 of the browser's binding cookie
    next           TEXT COLLATE "C" NOT NULL,          -- the page to land on afterwards
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX sign_in_attempts_created_at ON sign_in_attempts (created_at);
