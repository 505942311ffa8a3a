-- What happened after the provider accepted an email, as SES reported it through SNS. SNS delivers at
-- least once: sns_messages is the dedup key (one row per SNS MessageId), and each SES event is recorded
-- in the same transaction as that row, so a redelivered message records nothing twice.
CREATE TABLE IF NOT EXISTS sns_messages (
  message_id  text        PRIMARY KEY,
  topic_arn   text        NOT NULL,
  type        text        NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS email_events (
  id              bigserial   PRIMARY KEY,
  sns_message_id  text        NOT NULL UNIQUE REFERENCES sns_messages (message_id),
  event_type      text        NOT NULL,
  -- SES's own id of the email, and our RFC 5322 Message-ID header (angle brackets included).
  ses_message_id  text,
  message_id      text,
  recipients      text[]      NOT NULL,
  bounce_type     text,
  bounce_sub_type text,
  occurred_at     timestamptz NOT NULL,
  detail          jsonb       NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS email_events_message_id ON email_events (message_id);
CREATE INDEX IF NOT EXISTS email_events_ses_message_id ON email_events (ses_message_id);
CREATE INDEX IF NOT EXISTS email_events_occurred_at ON email_events (occurred_at);
CREATE INDEX IF NOT EXISTS email_events_recipients ON email_events USING gin (recipients);
