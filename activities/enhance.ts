// Gemini enhancement: the text as sanitised HTML, or a typed failure the workflow falls back on.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { sanitizeEmailHtml } from '../src/enhance/html.js';
import { EnhanceError } from '../src/enhance/types.js';
import type { ActivityDeps } from './deps.js';

export function enhanceActivities(deps: ActivityDeps) {
  return {
    async enhanceEmail(input: { workflowId: string; subject: string; text: string }): Promise<{ html: string }> {
      if (!deps.enhancer) throw ApplicationFailure.nonRetryable('GEMINI_API_KEY is not set', 'GeminiDisabled');
      const { attempt } = Context.current().info;
      try {
        const raw = await deps.enhancer.enhance({ key: input.workflowId, attempt, subject: input.subject, text: input.text });
        const html = sanitizeEmailHtml(raw);
        if (!html.trim()) throw new EnhanceError('Gemini returned no usable HTML', false);
        return { html };
      } catch (err) {
        const e = err instanceof EnhanceError ? err : new EnhanceError(String(err), true);
        throw ApplicationFailure.create({ message: e.message, type: e.retryable ? 'GeminiTransient' : 'GeminiRejected', nonRetryable: !e.retryable });
      }
    },
  };
}
