import { randomUUID } from 'node:crypto';
import { loadEnv, type Config } from '../../src/env.js';

/** What test/run.ts started for this run. */
export const infra = {
  temporalAddress: required('TEST_TEMPORAL_ADDRESS'),
  temporalCli: required('TEST_TEMPORAL_CLI'),
  databaseUrl: required('TEST_DATABASE_URL'),
  sesEndpoint: required('TEST_SES_ENDPOINT'),
  workflowBundle: process.env.TEST_WORKFLOW_BUNDLE,
  workDir: required('TEST_WORK_DIR'),
  chromium: process.env.TEST_CHROMIUM ?? '',
};

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests with \`npm test\` (test/run.ts starts the real servers)`);
  return v;
}

/** A Config as the service would load it, pointed at this run's servers, on a queue of its own. */
export function testConfig(vars: Record<string, string | undefined> = {}): Config {
  return loadEnv({
    TEMPORAL_ADDRESS: infra.temporalAddress,
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    LOG_LEVEL: 'silent',
    AWS_SES_REGION_NAME: 'us-east-1',
    SEND_MAX_ATTEMPTS: '5',
    GEMINI_MAX_ATTEMPTS: '3',
    ...vars,
  });
}
