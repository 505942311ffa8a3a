-- The send ledger: one row per email a provider accepted, written right after its answer and keyed
-- by the email's Message-ID. An attempt that finds its Message-ID here (a retry after a crash that
-- lost the completion) returns the recorded result instead of sending again. Pruned by age
-- (SEND_LEDGER_RETENTION, longer than the send retry window); recorded_at is indexed for that.
CREATE TABLE IF NOT EXISTS send_ledger (
  message_id          text        PRIMARY KEY,
  provider            text        NOT NULL,
  provider_message_id text,
  recorded_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS send_ledger_recorded_at ON send_ledger (recorded_at);
