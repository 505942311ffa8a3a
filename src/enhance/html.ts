import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

const TRACKING_PARAM = /^(utm_|mc_|fbclid$|gclid$|msclkid$|_hs|trk)/i;
const SAFE_STYLE_VALUE = /^(?!.*(url\s*\(|expression\s*\(|javascript:|@import))[#\w\s.,%()'"!+-]*$/i;
const STYLE_PROPERTIES = [
  'color', 'background-color', 'font-family', 'font-size', 'font-weight', 'font-style', 'text-align',
  'text-decoration', 'line-height', 'margin', 'margin-top', 'margin-bottom', 'margin-left', 'margin-right',
  'padding', 'padding-top', 'padding-bottom', 'padding-left', 'padding-right', 'border', 'border-collapse',
  'border-radius', 'width', 'max-width',
];

/** Drops tracking parameters and leaves every other byte of the link as it was written. */
function stripTracking(href: string): string {
  const m = /^([^?#]*)\?([^#]*)(#.*)?$/.exec(href);
  if (!m) return href;
  const kept = m[2]!.split('&').filter((pair) => {
    const name = pair.split('=')[0]!;
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch {}
    return pair !== '' && !TRACKING_PARAM.test(decoded);
  });
  return `${m[1]}${kept.length ? `?${kept.join('&')}` : ''}${m[3] ?? ''}`;
}

const ABSOLUTE_LINK = /^(https?:\/\/|mailto:)/i;

/**
 * Model output is untrusted: only an allowlist of formatting tags survives. No scripts, event
 * handlers, forms, frames, images (remote images are tracking pixels) or non-http(s)/mailto links.
 */
export function sanitizeEmailHtml(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: [
      'p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'strong', 'b', 'em', 'i', 'u', 's', 'small', 'sub', 'sup',
      'ul', 'ol', 'li', 'blockquote', 'pre', 'code', 'a', 'span', 'div', 'table', 'thead', 'tbody', 'tfoot', 'tr',
      'th', 'td', 'caption',
    ],
    allowedAttributes: { a: ['href', 'title', 'rel'], td: ['colspan', 'rowspan', 'align'], th: ['colspan', 'rowspan', 'align'], '*': ['style'] },
    allowedStyles: { '*': Object.fromEntries(STYLE_PROPERTIES.map((p) => [p, [SAFE_STYLE_VALUE]])) },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesAppliedToAttributes: ['href'],
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    transformTags: {
      // A relative link means nothing in an inbox: it is dropped, the text stays.
      a: (tagName, attribs) => {
        const { href, ...rest } = attribs;
        const absolute = href !== undefined && ABSOLUTE_LINK.test(href.trim());
        return { tagName, attribs: { ...rest, ...(absolute ? { href: stripTracking(href.trim()) } : {}), rel: 'noopener noreferrer' } };
      },
    },
  });
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

// Raw HTML in the text is shown as typed, never interpreted: the author wrote text, not markup.
const markdown = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    html({ text, block }) {
      const shown = escapeHtml(block ? text.trim() : text).replace(/\n/g, '<br>\n');
      return block ? `<p>${shown}</p>\n` : shown;
    },
  },
});

/**
 * The fallback when Gemini is off or fails: the text read as Markdown-ish plain text (`**bold**`,
 * lists, links, paragraphs on blank lines, line breaks kept), then the same sanitiser as Gemini's output.
 */
export function textToHtml(text: string): string {
  const normalised = text.replace(/\r\n?/g, '\n');
  if (!normalised.trim()) return '';
  return sanitizeEmailHtml(markdown.parse(normalised, { async: false })).trim();
}
