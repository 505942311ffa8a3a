// BatchSendWorkflow (POST /messages) as the API starts it: rows in the batch store, then the workflow.
import { randomUUID } from 'node:crypto';
import { MailError } from '../../src/mail/types.js';
import { messageWorkflowId } from '../../src/shared.js';
import { FakeBatchMessageStore } from '../../test/workflows/fake-batch-store.js';
import type { Scenario } from './recorder.js';
import { world, type World } from './world.js';

const transient = () => new MailError('421 4.3.0 try again later', 'SmtpTransient421', false);

function batch(name: string, arrange: (w: World, store: FakeBatchMessageStore, ids: string[]) => void = () => {}): Scenario {
  const file = `BatchSendWorkflow/${name}`;
  return {
    files: [file],
    async run(r) {
      const store = new FakeBatchMessageStore();
      const w = world({}, undefined, { messages: store });
      const workflowId = `batch-${randomUUID()}`;
      const ids = [0, 1, 2].map(() => messageWorkflowId(randomUUID()));
      await store.insertBatch(workflowId, ids.map((id, i) => ({ id, requestHash: `hash-${i}`, to: `m${i}@example.com`, subject: `Batch ${i}`, text: 'Body' })));
      arrange(w, store, ids);
      const taskQueue = r.taskQueue(name);
      const runId = await r.withWorker(taskQueue, w.activities, async () => {
        const handle = await r.client.workflow.start('BatchSendWorkflow', { taskQueue, workflowId, args: [] });
        await r.settled(workflowId);
        // A handed-off message's own workflow, so that the recording's worker is not stopped under it.
        for (const id of ids) if (store.rows.get(id)?.state === 'handed_off') await r.settled(id);
        return handle.firstExecutionRunId;
      });
      return [{ file, workflowId, runId }];
    },
  };
}

export const batchScenarios: Scenario[] = [
  batch('all-sent'),
  batch('one-handed-off', (w, _store, ids) => {
    let refused = false;
    // The batch's attempt fails; the message's own workflow sends it.
    w.smtp.fail = (email) => (!refused && email.messageId.includes(ids[1]!) ? ((refused = true), transient()) : undefined);
  }),
  batch('one-cancelled', (_w, store, ids) => void store.cancel(ids[2]!)),
];
