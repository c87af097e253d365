-- Proof of notice (docs/email.md): what an administrator recorded for a
-- student no email reached, a paper letter mailed (`at` is the mailing
-- date) or an exception (why no notice is possible, `reason` required).
-- One row per student: a later record replaces an earlier one. Whether a
-- student was reached by email is read from `emails`, never stored twice.
CREATE TABLE student_notice_marks (
    incident_id  TEXT COLLATE "C" NOT NULL REFERENCES incidents (id),
    student_id   TEXT COLLATE "C" NOT NULL,
    kind         TEXT NOT NULL,            -- letter_mailed | exception
    at           TIMESTAMPTZ NOT NULL,
    reason       TEXT,
    recorded_by  TEXT NOT NULL,
    recorded_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (incident_id, student_id)
);

-- Personal data: a student's mailing address from the plain CSV roster,
-- JSON {line1, line2, city, state, postal_code}, for paper letters only;
-- replaced with the roster.
CREATE TABLE student_addresses (
    incident_id  TEXT COLLATE "C" NOT NULL REFERENCES incidents (id),
    student_id   TEXT COLLATE "C" NOT NULL,
    address      TEXT NOT NULL,
    PRIMARY KEY (incident_id, student_id)
);
