import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fieldProblems, MAX_MESSAGE_CHARS, MAX_SUBJECT_CHARS, messageRequestSchema } from '../../src/api/schemas.js';

const valid = { destinataire: 'a@example.com', sujet: 'Bonjour', message: 'Hello' };
const DAY = 86_400_000;

function accepts(body: unknown) {
  const r = messageRequestSchema.safeParse(body);
  assert.ok(r.success, r.success ? '' : JSON.stringify(fieldProblems(r.error)));
  return r.data;
}

/** The fields named by the problems the body causes (deduplicated, in order). */
function problemFields(body: unknown): string[] {
  const r = messageRequestSchema.safeParse(body);
  assert.equal(r.success, false, `expected ${JSON.stringify(body)} to be refused`);
  return [...new Set(fieldProblems(r.error!).map((p) => p.field))];
}

function refusedOn(body: unknown, field: string): void {
  assert.deepEqual(problemFields(body), [field]);
}

describe('messageRequestSchema accepts', () => {
  test('the old payload unchanged', () => {
    assert.deepEqual(accepts(valid), valid);
  });

  test('enhance_content true or false, and null', () => {
    assert.equal(accepts({ ...valid, enhance_content: true }).enhance_content, true);
    assert.equal(accepts({ ...valid, enhance_content: false }).enhance_content, false);
    assert.equal(accepts({ ...valid, enhance_content: null }).enhance_content, null);
  });

  test('send_at in the future with a Z or an offset', () => {
    const soon = new Date(Date.now() + DAY).toISOString();
    assert.equal(accepts({ ...valid, send_at: soon }).send_at, soon);
    accepts({ ...valid, send_at: soon.replace(/\.\d+Z$/, '+02:00') });
  });

  test('unicode and emoji in sujet and message', () => {
    const body = { ...valid, sujet: 'Réunion 🎉 日本語', message: 'Ça marche ✅\n\nПривет 👋' };
    assert.deepEqual(accepts(body), body);
  });

  test('a subject of exactly 998 characters', () => {
    accepts({ ...valid, sujet: 'x'.repeat(MAX_SUBJECT_CHARS) });
  });
});

describe('messageRequestSchema refuses, naming the field', () => {
  for (const field of ['destinataire', 'sujet', 'message'] as const) {
    test(`${field}: missing, empty, whitespace-only, null or not a string`, () => {
      const { [field]: _omit, ...without } = valid;
      refusedOn(without, field);
      for (const bad of ['', '   \t ', null, 42, ['a@example.com'], { x: 1 }, true]) refusedOn({ ...valid, [field]: bad }, field);
    });
  }

  test('a missing field is reported as required, a wrong type as not a string', () => {
    const { sujet: _s, ...without } = valid;
    const missing = messageRequestSchema.safeParse(without);
    assert.equal(missing.success, false);
    assert.deepEqual(fieldProblems(missing.error!), [{ field: 'sujet', reason: 'is required' }]);
    const wrong = messageRequestSchema.safeParse({ ...valid, sujet: 5 });
    assert.deepEqual(fieldProblems(wrong.error!), [{ field: 'sujet', reason: 'must be a string' }]);
  });

  test('destinataire that is not an address', () => {
    for (const bad of ['not-an-address', 'a@', '@example.com', 'a@example', 'a b@example.com']) refusedOn({ ...valid, destinataire: bad }, 'destinataire');
  });

  test('destinataire with two addresses', () => {
    refusedOn({ ...valid, destinataire: 'a@x.com, b@x.com' }, 'destinataire');
    refusedOn({ ...valid, destinataire: 'a@x.com;b@x.com' }, 'destinataire');
  });

  test('destinataire in display-name form is accepted (as the Flask mailer did); a list in that form is not', () => {
    for (const ok of ['Bob <b@x.com>', '"Doe, Jane" <b@x.com>', '<b@x.com>', 'José Pérez <b@x.com>', 'a@exämple.fr', 'Ada <ada@bücher.example>']) accepts({ ...valid, destinataire: ok });
    for (const bad of ['Bob <b@x.com>, Eve <e@x.com>', 'Doe, Jane <b@x.com>', 'Bob <b@x.com> extra', 'Bob b@x.com']) refusedOn({ ...valid, destinataire: bad }, 'destinataire');
  });

  test('CR, LF or NUL in sujet and destinataire (header injection)', () => {
    for (const ch of ['\r', '\n', '\r\n', '\0']) {
      refusedOn({ ...valid, sujet: `Hi${ch}Bcc: victim@example.com` }, 'sujet');
      refusedOn({ ...valid, destinataire: `a@example.com${ch}Bcc: victim@example.com` }, 'destinataire');
    }
  });

  test('NUL in message, while newlines in message are fine', () => {
    refusedOn({ ...valid, message: 'a\0b' }, 'message');
    accepts({ ...valid, message: 'line 1\r\nline 2\n\nline 3' });
  });

  test('sujet over 998 characters', () => {
    refusedOn({ ...valid, sujet: 'x'.repeat(MAX_SUBJECT_CHARS + 1) }, 'sujet');
  });

  test('message over 200000 characters', () => {
    accepts({ ...valid, message: 'x'.repeat(MAX_MESSAGE_CHARS) });
    refusedOn({ ...valid, message: 'x'.repeat(MAX_MESSAGE_CHARS + 1) }, 'message');
  });

  test('send_at in the past', () => {
    refusedOn({ ...valid, send_at: new Date(Date.now() - 60_000).toISOString() }, 'send_at');
  });

  test('send_at that cannot be parsed', () => {
    for (const bad of ['tomorrow', '2030-13-01T09:00:00Z', '', 12345]) refusedOn({ ...valid, send_at: bad }, 'send_at');
  });

  test('send_at without a time zone', () => {
    const local = new Date(Date.now() + DAY).toISOString().replace('Z', '');
    refusedOn({ ...valid, send_at: local }, 'send_at');
    refusedOn({ ...valid, send_at: local.slice(0, 10) }, 'send_at');
  });

  test('send_at more than 366 days ahead', () => {
    refusedOn({ ...valid, send_at: new Date(Date.now() + 367 * DAY).toISOString() }, 'send_at');
  });

  // Date.parse rolls "April 31" over to May 1: a typo would be sent on another day than asked.
  test('send_at on a day that does not exist in its month (e.g. the 31st of a 30-day month)', () => {
    const month = new Date();
    month.setUTCDate(1);
    const daysIn = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    do month.setUTCMonth(month.getUTCMonth() + 1);
    while (daysIn(month) !== 30);
    const impossible = `${month.toISOString().slice(0, 8)}31T09:00:00Z`;
    refusedOn({ ...valid, send_at: impossible }, 'send_at');
  });

  test('enhance_content given as the string "yes"', () => {
    refusedOn({ ...valid, enhance_content: 'yes' }, 'enhance_content');
  });

  test('an unknown field, named as the client wrote it', () => {
    const r = messageRequestSchema.safeParse({ ...valid, bcc: 'x@example.com' });
    assert.equal(r.success, false);
    assert.deepEqual(fieldProblems(r.error!), [{ field: 'bcc', reason: 'is not a known field' }]);
  });

  test('a body that is not an object is reported on "body"', () => {
    for (const bad of [null, [], 'text', 3]) refusedOn(bad, 'body');
  });

  test('several bad fields are each reported', () => {
    assert.deepEqual(problemFields({ destinataire: 'nope', sujet: '', message: 'ok' }).sort(), ['destinataire', 'sujet']);
  });
});
