import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createActivities } from '../../activities/index.js';
import { EnhanceError } from '../../src/enhance/types.js';
import type { EmailStatus, SendEmailInput } from '../../src/shared.js';
import { FakeEnhancer } from './fakes.js';
import { fakeDeps, openHarness, withFakeSends, type Harness, type SendCall } from './harness.js';

const HOSTILE = [
  '<p onclick="steal()">Hello <strong>Ada</strong></p>',
  '<script>alert(1)</script>',
  '<img src="https://tracker.example/pixel.gif">',
  '<a href="javascript:alert(2)">click</a>',
  '<iframe src="https://evil.example"></iframe>',
  '<p style="background:url(https://tracker.example/x)">styled</p>',
].join('');

describe('SendEmailWorkflow enhancement (real workflow, real enhanceEmail activity, fake enhancer)', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness();
  });
  after(async () => {
    await h?.close();
  });

  const input: SendEmailInput = { to: 'to@example.com', subject: 'News', text: 'Plain body', enhance: true };

  async function run(enhancer: FakeEnhancer | undefined, plan: { geminiMaxAttempts?: number } = {}, args = input) {
    const calls: SendCall[] = [];
    const workflowId = `message-${randomUUID()}`;
    const activities = withFakeSends(createActivities(fakeDeps({ enhancer }, plan)), calls);
    const result = await h.run(activities, (taskQueue) => h.client.workflow.execute('SendEmailWorkflow', { taskQueue, workflowId, args: [args] }) as Promise<EmailStatus>);
    return { result, calls, workflowId };
  }

  test('hostile model output is sanitised before it reaches sendEmail', async () => {
    const enhancer = new FakeEnhancer(() => HOSTILE);
    const { result, calls, workflowId } = await run(enhancer);
    assert.equal(result.state, 'sent');
    assert.deepEqual(result.enhancement, { used: 'gemini' });
    assert.equal(enhancer.calls.length, 1);
    assert.deepEqual(enhancer.calls[0], { key: workflowId, attempt: 1, subject: 'News', text: 'Plain body' });
    const html = calls[0]!.input.html ?? '';
    assert.match(html, /<p>Hello <strong>Ada<\/strong><\/p>/);
    for (const bad of [/<script/i, /alert/, /onclick/i, /<img/i, /tracker\.example/, /javascript:/i, /<iframe/i, /evil\.example/]) {
      assert.doesNotMatch(html, bad);
    }
  });

  test('a permanent EnhanceError falls back at once: sendEmail gets no html, the result says why', async () => {
    const enhancer = new FakeEnhancer(() => {
      throw new EnhanceError('the model refused the prompt', false, 400);
    });
    const { result, calls } = await run(enhancer);
    assert.equal(result.state, 'sent');
    assert.deepEqual(result.enhancement, { used: 'fallback', reason: 'the model refused the prompt' });
    assert.equal(enhancer.calls.length, 1, 'a permanent error is not retried');
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.input.html, undefined);
    assert.equal(calls[0]!.input.text, 'Plain body');
  });

  test('retryable EnhanceErrors are retried geminiMaxAttempts times, then the email falls back', async () => {
    const enhancer = new FakeEnhancer(() => {
      throw new EnhanceError('503 model overloaded', true, 503);
    });
    const { result, calls } = await run(enhancer, { geminiMaxAttempts: 3 });
    assert.deepEqual(
      enhancer.calls.map((c) => c.attempt),
      [1, 2, 3],
    );
    assert.deepEqual(result.enhancement, { used: 'fallback', reason: '503 model overloaded' });
    assert.equal(result.state, 'sent');
    assert.equal(calls[0]!.input.html, undefined);
  });

  test('output that sanitises to nothing is a permanent failure: fallback after one call', async () => {
    const enhancer = new FakeEnhancer(() => '<script>only()</script><img src="x">');
    const { result, calls } = await run(enhancer);
    assert.deepEqual(result.enhancement, { used: 'fallback', reason: 'Gemini returned no usable HTML' });
    assert.equal(enhancer.calls.length, 1);
    assert.equal(calls[0]!.input.html, undefined);
  });

  test('without an enhancer the email falls back with the reason "GEMINI_API_KEY is not set"', async () => {
    const { result, calls } = await run(undefined);
    assert.equal(result.state, 'sent');
    assert.deepEqual(result.enhancement, { used: 'fallback', reason: 'GEMINI_API_KEY is not set' });
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.input.html, undefined);
  });

  test('given html, enhance is ignored: the enhancer is not called and the html goes out as given', async () => {
    const enhancer = new FakeEnhancer(() => '<p>never</p>');
    const { result, calls } = await run(enhancer, {}, { ...input, html: '<p>Trusted template</p>' });
    assert.deepEqual(result.enhancement, { used: 'none' });
    assert.equal(enhancer.calls.length, 0);
    assert.equal(calls[0]!.input.html, '<p>Trusted template</p>');
  });
});
