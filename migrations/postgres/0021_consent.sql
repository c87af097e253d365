-- Parental consent campaigns (docs/vendors.md, "Consent"): when a vendor
-- will not sign the data privacy agreement, the district asks the guardians
-- of the students it would onboard. A campaign keeps its students and
-- guardians as the roster gave them (personal data: shown to staff, never
-- logged or published), which guardian is asked about which students, and
-- every answer, never replaced (a decline by any guardian wins).
CREATE TABLE consent_campaigns (
    id                 TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    vendor_id          TEXT NOT NULL REFERENCES vendors (id),
    privacy_policy_url TEXT NOT NULL,
    description        TEXT NOT NULL,
    students           BIGINT NOT NULL,
    guardians          BIGINT NOT NULL,
    rejected_rows      BIGINT NOT NULL,
    created_by         TEXT COLLATE "C" NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX consent_campaigns_vendor ON consent_campaigns (vendor_id, created_at);

CREATE TABLE consent_students (
    campaign_id TEXT COLLATE "C" NOT NULL REFERENCES consent_campaigns (id) ON DELETE CASCADE,
    student_id  TEXT COLLATE "C" NOT NULL,
    name        TEXT NOT NULL,
    PRIMARY KEY (campaign_id, student_id)
);

-- One guardian address per campaign; `answered_at` is set by the first
-- answer through the emailed link, which can then not be used again.
CREATE TABLE consent_guardians (
    id          TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    campaign_id TEXT COLLATE "C" NOT NULL REFERENCES consent_campaigns (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    language    TEXT,
    answered_at TIMESTAMPTZ,
    UNIQUE (campaign_id, email)
);

CREATE TABLE consent_guardian_students (
    guardian_id TEXT COLLATE "C" NOT NULL REFERENCES consent_guardians (id) ON DELETE CASCADE,
    student_id  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (guardian_id, student_id)
);

-- `guardian_id` names the guardian who answered through the link; an answer
-- staff recorded (`received` paper, phone, ...) may name none.
CREATE TABLE consent_answers (
    id          TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    campaign_id TEXT COLLATE "C" NOT NULL,
    student_id  TEXT COLLATE "C" NOT NULL,
    guardian_id TEXT COLLATE "C" REFERENCES consent_guardians (id) ON DELETE CASCADE,
    answer      TEXT COLLATE "C" NOT NULL,          -- consented | declined
    received    TEXT COLLATE "C" NOT NULL,          -- link | paper | phone | email | in_person
    recorded_by TEXT COLLATE "C" NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (campaign_id, student_id) REFERENCES consent_students (campaign_id, student_id) ON DELETE CASCADE
);
CREATE INDEX consent_answers_campaign ON consent_answers (campaign_id, student_id);
