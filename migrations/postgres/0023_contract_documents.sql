-- A contract's signed document (one per contract: an upload replaces it),
-- kept whole with its SHA-256, as `vendor_documents` keeps a vendor's
-- agreement. `publishable`: the district allows the contract's public
-- notice page to link it.
CREATE TABLE contract_documents (
    contract_id  TEXT COLLATE "C" PRIMARY KEY NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    file_name    TEXT NOT NULL,
    content_type TEXT COLLATE "C" NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT COLLATE "C" NOT NULL,
    publishable  BOOLEAN NOT NULL DEFAULT FALSE,
    uploaded_by  TEXT COLLATE "C" NOT NULL,
    uploaded_at  TIMESTAMPTZ NOT NULL,
    content      BYTEA NOT NULL
);
