-- Bounces (docs/email.md, "Bounces"): what a delivery status notification
-- (RFC 3464) read from the bounce mailbox said about a message the mail
-- server had accepted. The message's row in `emails` turns `bounced`; this
-- keeps the DSN's status code and diagnostic text for the evidence.
CREATE TABLE email_bounces (
    email_id          TEXT PRIMARY KEY NOT NULL REFERENCES emails (id),
    incident_id       TEXT,
    status            TEXT NOT NULL,            -- the DSN's Status, e.g. 5.1.1
    diagnostic        TEXT,                     -- its Diagnostic-Code, when it gave one
    bounced_at        TEXT NOT NULL,            -- when breachd read the DSN
    after_completion  INTEGER NOT NULL          -- 1: the families' duty was already complete (a follow-up)
);
CREATE INDEX email_bounces_incident ON email_bounces (incident_id);
