-- Bounces (docs/email.md, "Bounces"): what a delivery status notification
-- (RFC 3464) read from the bounce mailbox said about a message the mail
-- server had accepted. The message's row in `emails` turns `bounced`; this
-- keeps the DSN's status code and diagnostic text for the evidence.
CREATE TABLE email_bounces (
    email_id          TEXT COLLATE "C" PRIMARY KEY NOT NULL REFERENCES emails (id),
    incident_id       TEXT COLLATE "C",
    status            TEXT COLLATE "C" NOT NULL, -- the DSN's Status, e.g. 5.1.1
    diagnostic        TEXT,                      -- its Diagnostic-Code, when it gave one
    bounced_at        TIMESTAMPTZ NOT NULL,      -- when breachd read the DSN
    after_completion  BOOLEAN NOT NULL           -- the families' duty was already complete (a follow-up)
);
CREATE INDEX email_bounces_incident ON email_bounces (incident_id);
