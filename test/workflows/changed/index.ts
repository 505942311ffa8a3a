// Today's workflows with one change, guarded: what a correct deploy ships (deploy.test.ts).
import { DueTaskSweepWorkflow as sweep, SendEmailWorkflow as sendEmail } from '../../../workflows/index.js';
import { withAudit } from './change.js';

export { OwnerDigestWorkflow, TaskReminderWorkflow } from '../../../workflows/index.js';
export const SendEmailWorkflow = withAudit(sendEmail, { guarded: true });
export const DueTaskSweepWorkflow = withAudit(sweep, { guarded: true });
