import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sanitizeEmailHtml, textToHtml } from '../../src/enhance/html.js';
import { buildPrompt, stripCodeFences } from '../../src/enhance/prompt.js';

describe('sanitizeEmailHtml removes what is unsafe', () => {
  test('<script> elements and their text', () => {
    const out = sanitizeEmailHtml('<p>Hi<script>alert("pwned")</script></p><script src="https://evil.example/x.js"></script>');
    assert.equal(out, '<p>Hi</p>');
  });

  test('on* event handlers', () => {
    const out = sanitizeEmailHtml('<p onclick="steal()" onmouseover="x()">text</p><a href="https://ok.example/" onfocus="y()">l</a>');
    assert.doesNotMatch(out, /on(click|mouseover|focus)|steal/i);
    assert.match(out, /<p>text<\/p>/);
  });

  test('javascript: and data: URLs, whatever their case', () => {
    const out = sanitizeEmailHtml(
      '<a href="javascript:alert(1)">a</a><a href="JaVaScRiPt:alert(1)">b</a><a href="data:text/html;base64,PHNjcmlwdD4=">c</a>',
    );
    assert.doesNotMatch(out, /javascript|data:|href/i);
    assert.match(out, />a<\/a>.*>b<\/a>.*>c<\/a>/);
  });

  test('iframes, forms and inputs', () => {
    const out = sanitizeEmailHtml('<iframe src="https://evil.example/"></iframe><form action="https://evil.example/"><input name="pw" type="password"><button>Go</button></form><p>kept</p>');
    assert.doesNotMatch(out, /iframe|form|input|button|evil/i);
    assert.match(out, /<p>kept<\/p>/);
  });

  test('img elements (remote images are tracking pixels)', () => {
    const out = sanitizeEmailHtml('<p>a<img src="https://track.example/p.gif" width="1" height="1">b</p>');
    assert.equal(out, '<p>ab</p>');
  });

  test('url() in style, while plain style properties stay', () => {
    const out = sanitizeEmailHtml('<p style="background-color: url(https://track.example/x.png); color: red">s</p>');
    assert.doesNotMatch(out, /url\(|track\.example/);
    assert.match(out, /style="color:red"/);
  });

  test('<style> blocks and disallowed style properties', () => {
    const out = sanitizeEmailHtml('<style>p{background:url(https://t.example/x)}</style><p style="position: fixed">x</p>');
    assert.equal(out, '<p>x</p>');
  });
});

describe('sanitizeEmailHtml cleans links', () => {
  test('strips utm_*, fbclid and gclid query parameters but keeps the others', () => {
    const out = sanitizeEmailHtml('<a href="https://shop.example/p?id=7&amp;utm_source=news&amp;utm_medium=mail&amp;fbclid=F&amp;gclid=G&amp;lang=fr">x</a>');
    assert.match(out, /href="https:\/\/shop\.example\/p\?id=7&amp;lang=fr"/);
    assert.doesNotMatch(out, /utm_|fbclid|gclid/);
  });

  test('a link left with no parameters loses its "?"', () => {
    assert.match(sanitizeEmailHtml('<a href="https://x.example/a?utm_campaign=c">x</a>'), /href="https:\/\/x\.example\/a"/);
  });

  test('a link without tracking parameters is unchanged', () => {
    assert.match(sanitizeEmailHtml('<a href="https://x.example/a?q=1&amp;page=2">x</a>'), /href="https:\/\/x\.example\/a\?q=1&amp;page=2"/);
  });

  // RFC 6068: in a mailto: URI "+" is a literal plus, a space must stay %20.
  test('stripping a tracking parameter from a mailto: link keeps the subject\'s encoded spaces', () => {
    const out = sanitizeEmailHtml('<a href="mailto:a@x.example?subject=Hello%20there&amp;utm_source=n">m</a>');
    assert.match(out, /href="mailto:a@x\.example\?subject=Hello%20there"/);
  });

  test('adds rel="noopener noreferrer" to every link, replacing any given rel', () => {
    const out = sanitizeEmailHtml('<a href="https://x.example/">a</a><a href="mailto:b@x.example" rel="opener">b</a>');
    assert.equal(out.match(/rel="noopener noreferrer"/g)?.length, 2);
    assert.doesNotMatch(out, /rel="opener"/);
  });
});

describe('sanitizeEmailHtml keeps formatting', () => {
  test('p, strong, em, ul/li, https and mailto links, tables', () => {
    const html =
      '<p><strong>Bold</strong> and <em>em</em></p><ul><li>one</li><li>two</li></ul>' +
      '<table><tr><td>1</td><td>2</td></tr></table>';
    assert.equal(sanitizeEmailHtml(html), html);
    const links = sanitizeEmailHtml('<a href="https://x.example/">w</a><a href="mailto:me@x.example">m</a>');
    assert.match(links, /<a href="https:\/\/x\.example\/" rel="noopener noreferrer">w<\/a>/);
    assert.match(links, /<a href="mailto:me@x\.example" rel="noopener noreferrer">m<\/a>/);
  });
});

describe('textToHtml: the fallback reads the text as Markdown-ish plain text', () => {
  test('before/after: bold, a list, a link and paragraphs render; raw HTML is shown as typed', () => {
    const before = [
      'Hello **Ada**,',
      '',
      'To do today:',
      '- review the *draft*',
      '- send it to <b>the team</b>',
      '',
      'Details: [the plan](https://plan.example/doc?id=7&utm_source=mail).',
      '<script>alert(1)</script>',
    ].join('\n');
    const after = [
      '<p>Hello <strong>Ada</strong>,</p>',
      '<p>To do today:</p>',
      '<ul>',
      '<li>review the <em>draft</em></li>',
      '<li>send it to &lt;b&gt;the team&lt;/b&gt;</li>',
      '</ul>',
      '<p>Details: <a href="https://plan.example/doc?id=7" rel="noopener noreferrer">the plan</a>.</p>',
      '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>',
    ].join('\n');
    assert.equal(textToHtml(before), after);
  });

  test('numbered lists and bare links', () => {
    assert.equal(textToHtml('1. first\n2. second'), '<ol>\n<li>first</li>\n<li>second</li>\n</ol>');
    assert.equal(textToHtml('see https://x.example/a'), '<p>see <a href="https://x.example/a" rel="noopener noreferrer">https://x.example/a</a></p>');
  });

  test('raw HTML is escaped, not interpreted: tags, handlers and blocks stay text', () => {
    const out = textToHtml('<img src=x onerror=alert(1)> and <a href="javascript:alert(1)">x</a>\n\n<div>\n<iframe src="https://evil.example"></iframe>\n</div>');
    assert.doesNotMatch(out, /<(img|a|div|iframe)\b/);
    assert.match(out, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(out, /&lt;iframe src="https:\/\/evil\.example"&gt;/);
  });

  test('Markdown links go through the sanitiser: javascript: and data: lose their href', () => {
    const out = textToHtml('[a](javascript:alert(1)) [b](data:text/html,x) [c](mailto:me@x.example)');
    assert.doesNotMatch(out, /javascript|data:/);
    assert.match(out, /<a href="mailto:me@x\.example" rel="noopener noreferrer">c<\/a>/);
  });

  test('escapes < > & in the text', () => {
    assert.equal(textToHtml(`a<b> & "c" 'd'`), `<p>a&lt;b&gt; &amp; "c" 'd'</p>`);
  });

  test('blank lines make paragraphs, single newlines make <br />, CRLF included', () => {
    assert.equal(textToHtml('one\ntwo\r\n\r\nthree\n\n\n\nfour'), '<p>one<br />two</p>\n<p>three</p>\n<p>four</p>');
  });

  test('empty or whitespace-only text gives no paragraphs', () => {
    assert.equal(textToHtml(''), '');
    assert.equal(textToHtml(' \n\n \n'), '');
  });

  test('a script in the text is shown as text, not run', () => {
    assert.equal(textToHtml('<script>alert(1)</script>'), '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
  });
});

describe('prompt helpers', () => {
  test('stripCodeFences removes ``` and ```html fences and trims', () => {
    assert.equal(stripCodeFences('```html\n<p>x</p>\n```'), '<p>x</p>');
    assert.equal(stripCodeFences('  ```HTML\n<p>y</p>\n```  \n'), '<p>y</p>');
    assert.equal(stripCodeFences('```\n<p>z</p>```'), '<p>z</p>');
  });

  test('stripCodeFences leaves unfenced output alone apart from trimming', () => {
    assert.equal(stripCodeFences('\n  <p>plain</p>\n'), '<p>plain</p>');
    assert.equal(stripCodeFences('<p>a ``` b</p>'), '<p>a ``` b</p>');
  });

  test('buildPrompt carries the subject and the text verbatim, with the HTML-only instruction', () => {
    const prompt = buildPrompt('Réunion 🎉', 'Line 1\n\nLine <2>');
    assert.match(prompt, /^Subject: Réunion 🎉$/m);
    assert.ok(prompt.endsWith('\n\nLine 1\n\nLine <2>'));
    assert.match(prompt, /HTML only/);
    assert.match(prompt, /No scripts, no forms, no images/);
  });
});
