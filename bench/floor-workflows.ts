// L2, Temporal's floor: the shape of SendEmailWorkflow with enhancement off (a local activity that
// reads the plan, then one heartbeat-capable activity that sends), with activities that do nothing.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

interface FloorActivities {
  plan(): Promise<Record<string, never>>;
  send(): Promise<Record<string, never>>;
}

const { plan } = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '10 seconds' });
const { send } = proxyActivities<FloorActivities>({ startToCloseTimeout: '1 minute', heartbeatTimeout: '10 seconds' });

export async function FloorWorkflow(): Promise<void> {
  await plan();
  await send();
}
