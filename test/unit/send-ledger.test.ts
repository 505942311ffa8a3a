import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities/index.js';
import { FakeMailer, MemoryLedger } from '../workflows/fakes.js';
import { DOMAIN, fakeDeps } from '../workflows/harness.js';

describe('the send ledger in the send activities (mock activity context)', () => {
  const email = { workflowId: 'message-ledger-1', to: 'to@example.com', subject: 'Hi', text: 'Body' };
  const messageId = `<message-ledger-1@${DOMAIN}>`;

  test('a first attempt records what the provider accepted, right after its answer', async () => {
    const smtp = new FakeMailer('smtp');
    const ledger = new MemoryLedger();
    const a = createActivities({ ...fakeDeps({ mailers: { smtp } }), ledger });
    const r = (await new MockActivityEnvironment().run(a.firstSendAttempt, { ...email })) as Awaited<ReturnType<typeof a.firstSendAttempt>>;
    assert.equal(r.sent?.providerMessageId, 'smtp-1');
    assert.deepEqual(ledger.rows.get(messageId), { messageId, provider: 'smtp', providerMessageId: 'smtp-1' });
    assert.equal(ledger.lookups, 1, 'looked up first: nothing on record, so it was sent');
  });

  test('a first attempt that runs again (its worker died) and a regular retry find the Message-ID on record and do not send again', async () => {
    const smtp = new FakeMailer('smtp');
    const ledger = new MemoryLedger();
    await ledger.record({ messageId, provider: 'smtp', providerMessageId: 'sent-before-the-crash' });
    const a = createActivities({ ...fakeDeps({ mailers: { smtp } }), ledger });
    const first = (await new MockActivityEnvironment().run(a.firstSendAttempt, { ...email })) as Awaited<ReturnType<typeof a.firstSendAttempt>>;
    assert.equal(first.sent?.providerMessageId, 'sent-before-the-crash');
    const retry = (await new MockActivityEnvironment({ attempt: 2 }).run(a.sendEmail, { ...email, provider: 'smtp' as const, messageId })) as Awaited<ReturnType<typeof a.sendEmail>>;
    assert.equal(retry.providerMessageId, 'sent-before-the-crash');
    assert.equal(smtp.sent.length, 0);
  });

  test('a ledger that cannot record does not fail a send that went out', async () => {
    const smtp = new FakeMailer('smtp');
    const ledger = new MemoryLedger();
    ledger.record = async () => {
      throw new Error('database unavailable');
    };
    const a = createActivities({ ...fakeDeps({ mailers: { smtp } }), ledger });
    const r = (await new MockActivityEnvironment().run(a.firstSendAttempt, { ...email })) as Awaited<ReturnType<typeof a.firstSendAttempt>>;
    assert.equal(r.sent?.provider, 'smtp');
    assert.equal(smtp.sent.length, 1);
  });
});
