import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '@google/genai';
import { classifyGeminiError } from '../../src/enhance/gemini.js';
import { EnhanceError } from '../../src/enhance/types.js';
import { classifySesError } from '../../src/mail/ses.js';
import { classifySmtpError } from '../../src/mail/smtp.js';
import { MailError } from '../../src/mail/types.js';

describe('classifySmtpError', () => {
  for (const code of [421, 451, 452]) {
    test(`${code} reply is transient (retried)`, () => {
      const e = classifySmtpError({ responseCode: code, response: `${code} 4.3.0 try later`, code: 'EENVELOPE' });
      assert.ok(e instanceof MailError);
      assert.equal(e.permanent, false);
      assert.equal(e.type, `SmtpTransient${code}`);
      assert.equal(e.message, `${code} 4.3.0 try later`);
    });
  }

  for (const code of [550, 552, 554]) {
    test(`${code} reply is permanent`, () => {
      const e = classifySmtpError({ responseCode: code, response: `${code} 5.1.1 no such user`, code: 'EENVELOPE' });
      assert.equal(e.permanent, true);
      assert.equal(e.type, `SmtpPermanent${code}`);
    });
  }

  for (const code of ['ECONNECTION', 'ETIMEDOUT']) {
    test(`${code} without a reply is a retried connection error`, () => {
      const e = classifySmtpError(Object.assign(new Error('connect failed'), { code }));
      assert.equal(e.permanent, false);
      assert.equal(e.type, `SmtpConnection:${code}`);
      assert.equal(e.message, 'connect failed');
    });
  }

  test('EENVELOPE without a reply code is permanent', () => {
    const e = classifySmtpError(Object.assign(new Error('No recipients defined'), { code: 'EENVELOPE' }));
    assert.equal(e.permanent, true);
    assert.equal(e.type, 'SmtpRejected:EENVELOPE');
  });

  test('an unknown error is retried', () => {
    const e = classifySmtpError(new Error('something odd'));
    assert.equal(e.permanent, false);
    assert.equal(e.type, 'SmtpError:unknown');
    assert.equal(classifySmtpError('a string').message, 'a string');
  });
});

describe('classifySesError', () => {
  const sesError = (name: string, status?: number) =>
    Object.assign(new Error(`${name} happened`), { name, $metadata: status === undefined ? {} : { httpStatusCode: status } });

  for (const name of ['TooManyRequestsException', 'LimitExceededException', 'Throttling']) {
    test(`${name} is throttling, retried`, () => {
      const e = classifySesError(sesError(name, 400));
      assert.equal(e.permanent, false);
      assert.equal(e.type, `Ses${name}`);
      assert.equal(e.message, `${name}: ${name} happened`);
    });
  }

  for (const name of ['MessageRejected', 'MailFromDomainNotVerifiedException', 'AccountSuspendedException', 'SendingPausedException']) {
    test(`${name} is permanent`, () => {
      const e = classifySesError(sesError(name, 400));
      assert.equal(e.permanent, true);
      assert.equal(e.type, `Ses${name}`);
    });
  }

  test('an unknown 4xx error is permanent', () => {
    assert.equal(classifySesError(sesError('WeirdClientException', 400)).permanent, true);
    assert.equal(classifySesError(sesError('WeirdClientException', 403)).permanent, true);
  });

  test('an unknown 429 is retried', () => {
    assert.equal(classifySesError(sesError('WeirdException', 429)).permanent, false);
  });

  test('a 500 is retried', () => {
    const e = classifySesError(sesError('InternalFailure', 500));
    assert.equal(e.permanent, false);
    assert.equal(e.type, 'SesInternalFailure');
  });

  test('a network error without HTTP status is retried', () => {
    assert.equal(classifySesError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).permanent, false);
  });
});

describe('classifyGeminiError', () => {
  for (const status of [429, 500, 503]) {
    test(`ApiError ${status} is retryable`, () => {
      const e = classifyGeminiError(new ApiError({ message: 'busy', status }));
      assert.ok(e instanceof EnhanceError);
      assert.equal(e.retryable, true);
      assert.equal(e.status, status);
      assert.match(e.message, new RegExp(`${status}`));
    });
  }

  for (const status of [400, 403, 404]) {
    test(`ApiError ${status} is permanent`, () => {
      const e = classifyGeminiError(new ApiError({ message: 'no', status }));
      assert.equal(e.retryable, false);
      assert.equal(e.status, status);
    });
  }

  test('an AbortError (timeout) is retryable', () => {
    const abort = new Error('aborted');
    abort.name = 'AbortError';
    const e = classifyGeminiError(abort);
    assert.equal(e.retryable, true);
    assert.match(e.message, /timed out/);
  });

  test('a SyntaxError (malformed body) is retryable', () => {
    const e = classifyGeminiError(new SyntaxError('Unexpected token < in JSON'));
    assert.equal(e.retryable, true);
    assert.match(e.message, /Unexpected token/);
  });

  test('an EnhanceError passes through unchanged', () => {
    const original = new EnhanceError('no text', false, 418);
    assert.equal(classifyGeminiError(original), original);
  });

  test('a very long error message is truncated', () => {
    const e = classifyGeminiError(new ApiError({ message: 'x'.repeat(5000), status: 500 }));
    assert.ok(e.message.length < 600, String(e.message.length));
  });
});
