// Workflow entry point for the worker's bundle. Workflows only orchestrate: every I/O is an activity.
export { SendEmailWorkflow } from './send-email.js';
export { TaskReminderWorkflow } from './reminder.js';
export { DueTaskSweepWorkflow } from './sweep.js';
export { OwnerDigestWorkflow } from './digest.js';
export { BatchSendWorkflow } from './batch-send.js';
export { WebhookDeliveryWorkflow, ConfirmSnsSubscriptionWorkflow, MirrorSesSuppressionWorkflow } from './events.js';
