import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { recipientAllowed } from '../../src/api/security.js';
import { parseRecipient, wireRecipient } from '../../src/mail/address.js';
import { createUtf8Check, smtpUtf8Check } from '../../src/mail/utf8-support.js';
import { recipientDomain } from '../../src/shared.js';

const ok = (input: string) => {
  const r = parseRecipient(input);
  assert.ok(r.ok, `${input}: ${!r.ok ? r.reason : ''}`);
  return r.recipient;
};
const refused = (input: string) => {
  const r = parseRecipient(input);
  assert.equal(r.ok, false, `${input} should be refused`);
  return r.ok ? '' : r.reason;
};

describe('parseRecipient: addresses as people write them', () => {
  test('a bare address, a display name, a quoted display name, angle brackets only', () => {
    assert.deepEqual(ok('a@example.com'), { address: 'a@example.com', ascii: 'a@example.com', domain: 'example.com', utf8Local: false });
    assert.deepEqual(ok('Ada Lovelace <ada@example.com>'), { name: 'Ada Lovelace', address: 'ada@example.com', ascii: 'ada@example.com', domain: 'example.com', utf8Local: false });
    assert.equal(ok('"Doe, Jane" <j@example.com>').name, 'Doe, Jane');
    assert.equal(ok('"say \\"hi\\"" <j@example.com>').name, 'say "hi"');
    assert.equal(ok("J. O'Neil <j@example.com>").name, "J. O'Neil");
    assert.equal(ok('<j@example.com>').name, undefined);
    assert.equal(ok('  José Pérez   <j@example.com>  ').name, 'José Pérez');
  });

  test('an internationalised domain is kept as given and sent as punycode', () => {
    const r = ok('a@exämple.fr');
    assert.equal(r.address, 'a@exämple.fr');
    assert.equal(r.ascii, 'a@xn--exmple-cua.fr');
    assert.equal(r.utf8Local, false);
    assert.deepEqual(wireRecipient('Ada <ada@Bücher.example>'), { name: 'Ada', address: 'ada@xn--bcher-kva.example' });
  });

  test('a local part beyond ASCII is recognised (it needs SMTPUTF8)', () => {
    const r = ok('josé@example.com');
    assert.equal(r.utf8Local, true);
    assert.equal(r.ascii, 'josé@example.com');
  });

  test('lists, groups, comments, bad domains and header injection are refused', () => {
    for (const bad of [
      'a@x.com, b@x.com', 'a@x.com;b@x.com', 'a@x.com b@x.com', 'Bob <b@x.com>, Eve <e@x.com>', 'Doe, Jane <b@x.com>',
      'friends: a@x.com, b@x.com;', 'a@x.com (comment)', 'Bob <b@x.com', 'Bob b@x.com>', '<a@x.com> <b@x.com>',
      'a@b', 'a@-x.com', 'a@x_y.com', '"quoted local"@x.com', 'a..b@x.com', '.a@x.com', 'a@x..com', '', ' ',
      'a@[127.0.0.1]', `${'a'.repeat(65)}@x.com`, 'Bob <>', 'a@exa mple.com', 'a@\u0007x.com',
    ]) refused(bad);
  });

  test('every CR, LF and NUL, anywhere, is refused with that reason', () => {
    for (const ch of ['\r', '\n', '\r\n', '\0']) {
      for (const input of [`a@x.com${ch}Bcc: v@x.com`, `${ch}a@x.com`, `Bob${ch} <b@x.com>`, `"Bob${ch}" <b@x.com>`, `Bob <b@x.com${ch}>`, `a${ch}@x.com`]) {
        assert.equal(refused(input), 'must not contain CR, LF or NUL', JSON.stringify(input));
      }
    }
  });

  test('the search attribute domain of a display-name address is its domain', () => {
    assert.equal(recipientDomain('Ada <ada@Example.com>'), 'example.com');
    assert.equal(recipientDomain('a@b.example'), 'b.example');
  });
});

describe('recipient allowlist: the same rules', () => {
  test('display names and Unicode or punycode forms of a domain match the same entries', () => {
    assert.equal(recipientAllowed('Ada <ada@exämple.fr>', ['exämple.fr']), true);
    assert.equal(recipientAllowed('ada@xn--exmple-cua.fr', ['exämple.fr']), true);
    assert.equal(recipientAllowed('ada@exämple.fr', ['xn--exmple-cua.fr']), true);
    assert.equal(recipientAllowed('Ada <ada@sub.exämple.fr>', ['exämple.fr']), true);
    assert.equal(recipientAllowed('Ada <ada@EXAMPLE.com>', ['ada@example.com']), true);
    assert.equal(recipientAllowed('Ada <ada@example.com.evil.io>', ['example.com']), false);
    assert.equal(recipientAllowed('"x@example.com" <ada@evil.io>', ['example.com']), false);
    assert.equal(recipientAllowed('ada@exemple.fr', ['exämple.fr']), false);
  });
});

describe('UTF-8 local parts: only where the provider can send them', () => {
  test('SES cannot (no SMTPUTF8), as primary or fallback; SMTP asks the server, once a minute, and a server that did not answer is asked again', async () => {
    for (const mail of [{ provider: 'ses' }, { provider: 'smtp', fallback: 'ses' }]) {
      const r = await createUtf8Check({ mail, smtp: { host: 'h', port: 1 } } as never)();
      assert.ok(!r.supported && /Amazon SES does not support SMTPUTF8/.test(r.reason), JSON.stringify(mail));
    }
    let calls = 0;
    const answers = [new Error('ECONNREFUSED'), false, true];
    const check = smtpUtf8Check({ host: 'relay.example', port: 25 }, async () => {
      const a = answers[calls++];
      if (a instanceof Error) throw a;
      return a!;
    });
    const first = await check();
    assert.ok(!first.supported && first.transient && /did not answer/.test(first.reason));
    const second = await check();
    assert.ok(!second.supported && !second.transient && /does not offer SMTPUTF8/.test(second.reason));
    await check();
    assert.equal(calls, 2, 'a definite answer is kept');
  });
});
