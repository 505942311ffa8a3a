import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ROOT } from '../../scripts/tools.mjs';
import { infra } from '../support/env.js';

export const SCREENSHOTS = path.join(ROOT, 'test-results');

/** Debian's Chromium, headless, kept off the network it cannot reach anyway. */
export async function launchBrowser(): Promise<Browser> {
  if (!infra.chromium) throw new Error('no Chromium: run the tests with npm test (test/run.ts installs it)');
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: infra.chromium,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
