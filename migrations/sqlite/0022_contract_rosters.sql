-- The families a contract's notice is emailed to, where the rule in force
-- required it (P.A. 16-189, contracts executed 2016-10-01 to 2018-06-30;
-- docs/vendors.md, "Contracts"). One roster per contract, uploaded once;
-- `job_id` is the job that emails it, whose messages say how many were
-- sent. Names and addresses are personal data: shown to staff, never
-- logged or published.
CREATE TABLE contract_rosters (
    contract_id   TEXT PRIMARY KEY NOT NULL REFERENCES contracts (id),
    job_id        TEXT NOT NULL,
    guardians     INTEGER NOT NULL,
    rejected_rows INTEGER NOT NULL,
    uploaded_by   TEXT NOT NULL,
    uploaded_at   TEXT NOT NULL
);

CREATE TABLE contract_guardians (
    id          TEXT PRIMARY KEY NOT NULL,
    contract_id TEXT NOT NULL REFERENCES contract_rosters (contract_id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    language    TEXT,
    UNIQUE (contract_id, email)
);
