// Today's workflows with the change of change.ts, guarded: what a correct deploy ships (deploy.test.ts).
import { DueTaskSweepWorkflow as sweep, SendEmailWorkflow as sendEmail } from '../../../workflows/index.js';
import { withAudits } from './change.js';

export { OwnerDigestWorkflow, TaskReminderWorkflow } from '../../../workflows/index.js';
export const SendEmailWorkflow = withAudits(sendEmail, { guarded: true });
export const DueTaskSweepWorkflow = withAudits(sweep, { guarded: true });
