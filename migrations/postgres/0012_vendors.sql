-- The vendor registry (docs/vendors.md): one row per vendor the district
-- shares student data with. The vendor's names, contacts, services, data
-- elements and agreement are one JSON document (`body`), read and written
-- whole; `name` is kept beside it for ordering. `version` makes a
-- concurrent edit fail instead of silently overwriting another.
CREATE TABLE vendors (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX vendors_by_name ON vendors (name);
