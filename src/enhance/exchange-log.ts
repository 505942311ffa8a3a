import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Exchange {
  key: string;
  attempt: number;
  subject: string;
  model: string;
  prompt: string;
  response?: string;
  durationMs: number;
  outcome: 'ok' | 'retryable_error' | 'permanent_error';
  error?: string;
  status?: number;
}

/**
 * One timestamped JSON file per Gemini exchange, as the Flask mailer kept under gemini_logs/.
 * Written from inside each activity attempt, so that retried attempts (which the workflow never
 * sees) are logged too and prompts stay out of workflow history. The API key is never passed here.
 */
export class ExchangeLog {
  constructor(private readonly dir: string) {}

  /** Best effort: an unwritable folder is reported, and never costs the email its Gemini answer. */
  async write(exchange: Exchange): Promise<string | undefined> {
    try {
      return await this.writeFile(exchange);
    } catch (err) {
      console.warn(`gemini exchange log: could not write to ${this.dir}: ${(err as Error).message}`);
      return undefined;
    }
  }

  private async writeFile(exchange: Exchange): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const now = new Date();
    const stamp = now.toISOString().replace(/[:.]/g, '-');
    const safeKey = exchange.key.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120);
    const file = path.join(this.dir, `gemini_${stamp}_${safeKey}_attempt${exchange.attempt}.json`);
    const { key, subject, ...rest } = exchange;
    await writeFile(file, `${JSON.stringify({ timestamp: now.toISOString(), workflowId: key, subject, ...rest }, null, 2)}\n`);
    return file;
  }
}
