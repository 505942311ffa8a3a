-- Addresses the service must not send to. scope 'all' stops every email; 'reminders' (a one-click
-- unsubscribe) stops reminders and digests only. Addresses are stored bare and lower-cased.
CREATE TABLE IF NOT EXISTS suppressions (
  address    text        NOT NULL,
  scope      text        NOT NULL CHECK (scope IN ('all', 'reminders')),
  reason     text        NOT NULL CHECK (reason IN ('bounce', 'soft_bounce', 'complaint', 'smtp_rejected', 'unsubscribe', 'manual')),
  source     text        NOT NULL,
  detail     text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (address, scope)
);
CREATE INDEX IF NOT EXISTS suppressions_reason ON suppressions (reason, created_at);
