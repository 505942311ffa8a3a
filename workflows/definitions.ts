import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { EmailStatus } from '../src/shared.js';

/** The status endpoint reads a running email through this query. */
export const statusQuery = defineQuery<EmailStatus>('status');
/** An update, not a signal: the caller learns at once whether the email was still cancellable. */
export const cancelUpdate = defineUpdate<EmailStatus>('cancel');
