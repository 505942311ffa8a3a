// The same change without patched(): what the replay test exists to stop (deploy.test.ts).
import { DueTaskSweepWorkflow as sweep, SendEmailWorkflow as sendEmail } from '../../../workflows/index.js';
import { withAudit } from './change.js';

export { OwnerDigestWorkflow, TaskReminderWorkflow } from '../../../workflows/index.js';
export const SendEmailWorkflow = withAudit(sendEmail, { guarded: false });
export const DueTaskSweepWorkflow = withAudit(sweep, { guarded: false });
