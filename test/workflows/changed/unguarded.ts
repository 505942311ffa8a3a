// The same change without patched(): what the replay test exists to stop (deploy.test.ts).
import { DueTaskSweepWorkflow as sweep, SendEmailWorkflow as sendEmail } from '../../../workflows/index.js';
import { withAudits } from './change.js';

export { OwnerDigestWorkflow, TaskReminderWorkflow } from '../../../workflows/index.js';
export const SendEmailWorkflow = withAudits(sendEmail, { guarded: false });
export const DueTaskSweepWorkflow = withAudits(sweep, { guarded: false });
