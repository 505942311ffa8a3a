// L2: the bare workflow, started as the API starts emails (50 starts in flight), until all complete.
import type { Client } from '@temporalio/client';
import { FLOOR_QUEUE, limited, STARTS_IN_FLIGHT } from '../context.js';

export async function floor(client: Client, n: number, prefix: string): Promise<number> {
  const handles: Promise<unknown>[] = [];
  const t0 = Date.now();
  await limited(n, STARTS_IN_FLIGHT, async (i) => {
    const h = await client.workflow.start('FloorWorkflow', { taskQueue: FLOOR_QUEUE, workflowId: `${prefix}-${i}` });
    handles.push(h.result());
  });
  await Promise.all(handles);
  return n / ((Date.now() - t0) / 1000);
}
