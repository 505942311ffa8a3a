-- POST /messages sends its messages in one BatchSendWorkflow, not one workflow each: this table is what
-- each of them keeps instead, under the id a SendEmailWorkflow would have (message-<key>): its payload,
-- its state for GET and DELETE /message/:id, and its idempotency key. A POST /message with an
-- Idempotency-Key reserves its id here too (kind 'single'), so a key names one email on both paths.
-- Rows older than SEND_LEDGER_RETENTION are pruned (created_at is indexed for that).
CREATE TABLE IF NOT EXISTS batch_messages (
  id                  text        PRIMARY KEY,
  kind                text        NOT NULL CHECK (kind IN ('single', 'batch')),
  batch_id            text,
  position            integer,
  request_hash        text        NOT NULL,
  recipient           text,
  subject             text,
  body                text,
  state               text        NOT NULL CHECK (state IN ('reserved', 'queued', 'sending', 'sent', 'failed', 'cancelled', 'handed_off')),
  message_id          text,
  provider            text,
  provider_message_id text,
  attempts            integer     NOT NULL DEFAULT 0,
  error               text,
  error_type          text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS batch_messages_batch ON batch_messages (batch_id, position) WHERE batch_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS batch_messages_created_at ON batch_messages (created_at);
