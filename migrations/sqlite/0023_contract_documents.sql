-- A contract's signed document (one per contract: an upload replaces it),
-- kept whole with its SHA-256, as `vendor_documents` keeps a vendor's
-- agreement. `publishable`: the district allows the contract's public
-- notice page to link it.
CREATE TABLE contract_documents (
    contract_id  TEXT PRIMARY KEY NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    publishable  INTEGER NOT NULL DEFAULT 0,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL,
    content      BLOB NOT NULL
);
