import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addressDomain } from '../../src/mail/message-id.js';
import { formatDue, renderReminder, taskLink } from '../../src/reminders/render.js';
import { IDEMPOTENCY_KEY_PATTERN, messageIdFor, messageWorkflowId, reminderWorkflowId, type DueTask } from '../../src/shared.js';

const task: DueTask = {
  taskId: 't-1',
  title: 'Write the report',
  dueAt: '2026-01-15T14:00:00Z',
  projectId: 'p-9',
  projectName: 'Thesis',
  ownerId: 'u-1',
  ownerEmail: 'owner@example.com',
  ownerName: 'Alice',
};

describe('formatDue', () => {
  test('formats in UTC and names the zone', () => {
    const text = formatDue('2026-01-15T14:00:00Z', 'UTC');
    assert.match(text, /Thursday/);
    assert.match(text, /15 January 2026/);
    assert.match(text, /14:00/);
    assert.ok(text.endsWith('(UTC)'), text);
  });

  test('Europe/Paris shows 15:00 for 14:00Z in winter and 16:00 in summer', () => {
    const winter = formatDue('2026-01-15T14:00:00Z', 'Europe/Paris');
    assert.match(winter, /15:00/);
    assert.ok(winter.endsWith('(Europe/Paris)'), winter);
    assert.match(formatDue('2026-07-15T14:00:00Z', 'Europe/Paris'), /16:00/);
  });

  test('uses a 24-hour clock, midnight as 00:00', () => {
    assert.match(formatDue('2026-01-15T00:05:00Z', 'UTC'), /00:05/);
  });
});

describe('taskLink', () => {
  test('no base URL, no link', () => {
    assert.equal(taskLink(task), undefined);
    assert.equal(taskLink(task, ''), undefined);
  });

  test('joins the base with the project and task ids, trailing slashes handled', () => {
    const expected = 'https://app.example/projects/p-9/tasks/t-1';
    assert.equal(taskLink(task, 'https://app.example'), expected);
    assert.equal(taskLink(task, 'https://app.example/'), expected);
    assert.equal(taskLink(task, 'https://app.example//'), expected);
  });

  test('encodes ids', () => {
    assert.equal(taskLink({ ...task, projectId: 'a/b', taskId: 'c d' }, 'https://x.example'), 'https://x.example/projects/a%2Fb/tasks/c%20d');
  });
});

describe('renderReminder', () => {
  test('subject, text and HTML carry the title, project, due time with zone and greeting', () => {
    const email = renderReminder(task, { timeZone: 'UTC' });
    const due = formatDue(task.dueAt, 'UTC');
    assert.equal(email.to, 'owner@example.com');
    assert.equal(email.subject, `Reminder: "Write the report" is due ${due}`);
    for (const part of [email.text, email.html ?? '']) {
      assert.ok(part.includes('Write the report'), part);
      assert.ok(part.includes('Thesis'), part);
      assert.ok(part.includes(due), part);
      assert.ok(part.includes('Hello Alice,'), part);
    }
  });

  test('the due time follows the configured zone', () => {
    const email = renderReminder(task, { timeZone: 'Europe/Paris' });
    assert.match(email.subject, /15:00 \(Europe\/Paris\)/);
    assert.match(email.text, /15:00 \(Europe\/Paris\)/);
  });

  test('without an owner name the greeting is plain', () => {
    const email = renderReminder({ ...task, ownerName: null }, { timeZone: 'UTC' });
    assert.match(email.text, /^Hello,$/m);
    assert.doesNotMatch(email.text, /null/);
  });

  test('a link only when a base URL is set', () => {
    const without = renderReminder(task, { timeZone: 'UTC' });
    assert.doesNotMatch(without.text, /https?:/);
    assert.doesNotMatch(without.html ?? '', /<a /);
    const withLink = renderReminder(task, { timeZone: 'UTC', linkBaseUrl: 'https://app.example/' });
    assert.ok(withLink.text.includes('Open it: https://app.example/projects/p-9/tasks/t-1'), withLink.text);
    assert.ok(withLink.html?.includes('<a href="https://app.example/projects/p-9/tasks/t-1">'), withLink.html);
  });

  test('escapes HTML in title, project and owner name, but not in the text part', () => {
    const title = '<b>x</b> & "y"';
    const email = renderReminder({ ...task, title, projectName: '<i>P</i>', ownerName: '<Eve>' }, { timeZone: 'UTC' });
    assert.ok(email.html?.includes('&lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot;'), email.html);
    assert.ok(email.html?.includes('&lt;i&gt;P&lt;/i&gt;'), email.html);
    assert.ok(email.html?.includes('Hello &lt;Eve&gt;,'), email.html);
    assert.doesNotMatch(email.html ?? '', /<b>|<i>|<Eve>/);
    assert.ok(email.text.includes(title));
    assert.ok(email.subject.includes(title));
  });
});

describe('workflow ids and Message-IDs', () => {
  test('messageWorkflowId prefixes the key', () => {
    assert.equal(messageWorkflowId('order-42'), 'message-order-42');
  });

  test('reminderWorkflowId is task id plus due instant, whatever the offset notation', () => {
    assert.equal(reminderWorkflowId('42', '2026-01-15T14:00:00Z'), 'reminder-42-1768485600000');
    assert.equal(reminderWorkflowId(42, '2026-01-15T15:00:00+01:00'), 'reminder-42-1768485600000');
    assert.notEqual(reminderWorkflowId(42, '2026-01-15T14:00:00Z'), reminderWorkflowId(42, '2026-01-16T14:00:00Z'));
  });

  test('messageIdFor wraps the workflow id in angle brackets at the domain', () => {
    assert.equal(messageIdFor('message-order-42', 'example.org'), '<message-order-42@example.org>');
  });

  test('messageIdFor escapes characters not allowed in a Message-ID (dots too, so the result is a dot-atom)', () => {
    const id = messageIdFor('message-a b<c>@d"e.f', 'example.org');
    assert.equal(id, '<message-a=20b=3Cc=3E=40d=22e=2Ef@example.org>');
    assert.match(id, /^<[A-Za-z0-9_~=-]+@example\.org>$/);
  });

  // Every key IDEMPOTENCY_KEY_PATTERN accepts is a distinct email: ':' is allowed in a key but mapped to '_'.
  test('distinct Idempotency-Keys give distinct Message-IDs', () => {
    const a = messageIdFor(messageWorkflowId('order:42'), 'example.org');
    const b = messageIdFor(messageWorkflowId('order_42'), 'example.org');
    assert.notEqual(a, b);
  });

  test('IDEMPOTENCY_KEY_PATTERN accepts 1 to 200 of A-Z a-z 0-9 . _ ~ : -', () => {
    for (const ok of ['a', 'order-42', 'A.b_c~d:e-f', 'x'.repeat(200), '550e8400-e29b-41d4-a716-446655440000']) assert.match(ok, IDEMPOTENCY_KEY_PATTERN);
    for (const bad of ['', 'x'.repeat(201), 'a b', 'a/b', 'a@b', 'é', 'a\nb', '<x>']) assert.doesNotMatch(bad, IDEMPOTENCY_KEY_PATTERN);
  });
});

describe('addressDomain', () => {
  test('reads the domain of a bare or display-name address, lower-cased', () => {
    assert.equal(addressDomain('StudyFlow <noreply@polplana.work>'), 'polplana.work');
    assert.equal(addressDomain('a@B.Example.COM'), 'b.example.com');
    assert.equal(addressDomain('"Team" <x@y.example> '), 'y.example');
  });

  test('no @, no domain', () => {
    assert.equal(addressDomain('not an address'), undefined);
    assert.equal(addressDomain(''), undefined);
  });
});
