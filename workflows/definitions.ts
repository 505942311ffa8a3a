import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { EmailStatus } from '../src/shared.js';

/** The status endpoint reads a running email through this query. */
export const statusQuery = defineQuery<EmailStatus>('status');
/** An update, not a signal: the caller learns at once whether the email was still cancellable. */
export const cancelUpdate = defineUpdate<EmailStatus>('cancel');
/**
 * The durable form of a cancel, used when no worker answered the update in time: a signal is kept in
 * history even across a server restart, and applies if the email is still cancellable.
 */
export const cancelSignal = defineSignal('cancel');
