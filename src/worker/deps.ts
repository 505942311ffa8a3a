import type { ActivityDeps } from '../../activities/index.js';
import { createSql, type Sql } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { createBatchMessageStore } from '../db/batch-messages.js';
import { createSendLedger, LEDGER_WRITES_IN_FLIGHT } from '../db/ledger.js';
import { createTaskStore, MARKS_IN_FLIGHT } from '../db/tasks.js';
import { buildDeliveryDeps } from './delivery-deps.js';
import { ExchangeLog } from '../enhance/exchange-log.js';
import type { Config } from '../env.js';
import { closeMailers, createMailers } from '../mail/index.js';
import { addressDomain } from '../mail/message-id.js';
import { sendTaskQueue, type ProviderName } from '../shared.js';

/** Configured providers with a send rate: each gets a rate-limited task queue for its sends. */
export function pacedProviders(config: Config): ProviderName[] {
  const used: ProviderName[] = [config.mail.provider, ...(config.mail.fallback ? [config.mail.fallback] : [])];
  return used.filter((p) => config.mail.sendRate[p] > 0);
}

export interface WorkerResources {
  deps: ActivityDeps;
  close(): Promise<void>;
}

/** The ledger's writes in flight, and the sweep's marks. */
const RECORD_CONNECTIONS = LEDGER_WRITES_IN_FLIGHT + MARKS_IN_FLIGHT;

/** Every outside client, built once per worker process and shared by all activities. */
export async function buildWorkerResources(config: Config, opts: { searchAttributes?: boolean } = {}): Promise<WorkerResources> {
  let sql: Sql | undefined;
  if (config.databaseUrl) {
    // Batches claim each message before its send, 10 at a time each: room for a few batches at once.
    sql = createSql(config.databaseUrl, { max: 10 });
    await migrate(sql);
  }
  const mailers = await createMailers(config);
  const from = { smtp: config.mail.smtpFrom, ses: config.mail.sesFrom };
  const primaryFrom = from[config.mail.provider];
  // Gemini's SDK is loaded only with a key (about 20 MB of the worker's memory otherwise).
  const enhancer = config.gemini.apiKey
    ? new (await import('../enhance/gemini.js')).GeminiEnhancer(
        { apiKey: config.gemini.apiKey, model: config.gemini.model, baseUrl: config.gemini.baseUrl, timeoutMs: config.gemini.timeoutMs },
        new ExchangeLog(config.gemini.logDir),
      )
    : undefined;
  // The ledger's write is the duplicate window (from the provider's answer to this row): it has its
  // own connections, never behind the pool's reads, and commits without waiting for the WAL flush, so
  // the window is one round trip. A PostgreSQL crash may forget the last rows, which only brings back
  // the resend the ledger prevents.
  // The sweep's marks (a reminder's record, its duplicate window) have connections here too.
  const recordSql = config.databaseUrl ? createSql(config.databaseUrl, { max: RECORD_CONNECTIONS, asyncCommit: true }) : undefined;
  // Opened now, not by the first sends' records: a connection's set-up would sit inside their window.
  if (recordSql) await Promise.all(Array.from({ length: RECORD_CONNECTIONS }, () => recordSql`SELECT 1`));
  const ledger = sql && recordSql ? createSendLedger(sql, recordSql) : undefined;
  const store = sql ? createTaskStore(sql, recordSql) : undefined;
  const messages = sql ? createBatchMessageStore(sql) : undefined;
  // The ledger and the batch rows stay bounded: rows past the retention go, a slice at a time.
  const prune = () => Promise.all([ledger?.prune(config.sendLedgerRetentionMs), messages?.prune(config.sendLedgerRetentionMs)]).catch(() => {});
  const pruning = sql ? setInterval(() => void prune(), 10 * 60_000).unref() : undefined;
  const delivery = await buildDeliveryDeps(config, sql);
  const deps: ActivityDeps = {
    ...delivery.deps,
    mailers,
    enhancer,
    tasks: store,
    digests: store,
    ledger,
    messages,
    from,
    plan: {
      primary: config.mail.provider,
      fallback: config.mail.fallback,
      messageIdDomain: config.mail.messageIdDomain ?? addressDomain(primaryFrom) ?? 'localhost',
      sendRetryWindowMs: config.mail.sendRetryWindowMs,
      sendMaxAttempts: config.mail.sendMaxAttempts,
      primaryMaxAttempts: config.mail.primaryMaxAttempts,
      geminiMaxAttempts: config.gemini.maxAttempts,
      geminiTimeoutMs: config.gemini.timeoutMs,
      searchAttributes: opts.searchAttributes ?? false,
      webhooks: delivery.webhooks,
      sendTaskQueues: Object.fromEntries(pacedProviders(config).map((p) => [p, sendTaskQueue(config.temporal.taskQueue, p)])),
    },
    reminders: { timeZone: config.sweep.timeZone, linkBaseUrl: config.sweep.linkBaseUrl },
    sweep: { windowMs: config.sweep.windowMs, pageSize: config.sweep.pageSize, digest: config.sweep.digest },
  };
  return {
    deps,
    async close() {
      clearInterval(pruning);
      await closeMailers(mailers);
      delivery.close();
      await Promise.all([sql?.end({ timeout: 5 }), recordSql?.end({ timeout: 5 })]);
    },
  };
}
