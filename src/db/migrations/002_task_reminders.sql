-- The service's own ledger of reminders, one row per task and due time (the key of its reminder
-- workflow id). The sweep sends in batches, not one workflow per task, so this row is what keeps a
-- reminder once-only: 'sent' once the email was accepted, 'handed_off' while a TaskReminderWorkflow
-- of its own retries it. The shared tasks table is only ever given its notification flag.
CREATE TABLE IF NOT EXISTS task_reminders (
  task_id    bigint      NOT NULL,
  due_at     timestamptz NOT NULL,
  state      text        NOT NULL CHECK (state IN ('sent', 'handed_off')),
  message_id text        NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (task_id, due_at)
);
