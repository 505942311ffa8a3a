import { ApiError, GoogleGenAI } from '@google/genai';
import { buildPrompt, stripCodeFences } from './prompt.js';
import { EnhanceError, type EnhanceRequest, type Enhancer } from './types.js';
import type { ExchangeLog } from './exchange-log.js';

export interface GeminiOptions {
  apiKey: string;
  model: string;
  baseUrl?: string;
  timeoutMs: number;
}

/** 429 and 5xx are transient; other 4xx (bad request, forbidden, unknown model) will not improve. */
export function classifyGeminiError(err: unknown): EnhanceError {
  if (err instanceof EnhanceError) return err;
  if (err instanceof ApiError) {
    const retryable = err.status === 429 || err.status >= 500;
    return new EnhanceError(`Gemini answered ${err.status}: ${truncate(err.message)}`, retryable, err.status);
  }
  const e = err as { name?: string; message?: string };
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return new EnhanceError('Gemini timed out', true);
  // Malformed bodies and network failures: transient as far as we can tell.
  return new EnhanceError(`Gemini call failed: ${truncate(e.message ?? String(err))}`, true);
}

function truncate(s: string, n = 500): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

export class GeminiEnhancer implements Enhancer {
  readonly model: string;
  private readonly ai: GoogleGenAI;

  constructor(
    opts: GeminiOptions,
    private readonly log: ExchangeLog,
  ) {
    this.model = opts.model;
    // No SDK retryOptions: Temporal retries the activity, so every attempt is visible and logged.
    this.ai = new GoogleGenAI({ apiKey: opts.apiKey, httpOptions: { baseUrl: opts.baseUrl, timeout: opts.timeoutMs } });
  }

  async enhance(req: EnhanceRequest): Promise<string> {
    const prompt = buildPrompt(req.subject, req.text);
    const started = Date.now();
    let responseText: string | undefined;
    try {
      const response = await this.ai.models.generateContent({ model: this.model, contents: prompt });
      responseText = response.text;
      if (!responseText || !responseText.trim()) throw new EnhanceError('Gemini returned no text', true);
      const html = stripCodeFences(responseText);
      await this.log.write({ ...req, model: this.model, prompt, response: responseText, durationMs: Date.now() - started, outcome: 'ok' });
      return html;
    } catch (err) {
      const failure = classifyGeminiError(err);
      await this.log.write({
        ...req,
        model: this.model,
        prompt,
        response: responseText,
        durationMs: Date.now() - started,
        outcome: failure.retryable ? 'retryable_error' : 'permanent_error',
        error: failure.message,
        status: failure.status,
      });
      throw failure;
    }
  }
}
