// The catcher's one page, in the way of MailHog and Mailpit: the list on the left (newest first,
// searchable, refreshed every two seconds), the opened message on the right with its headers and
// HTML / Text / Source / Headers tabs. The HTML is shown in a sandboxed iframe (no scripts, no
// same-origin access, no remote loads), served with a CSP of its own. No external resources.

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,sans-serif;color:#1f2328;height:100vh;display:flex;flex-direction:column}
header{display:flex;gap:12px;align-items:center;padding:8px 12px;background:#24292f;color:#fff}
header h1{font-size:16px;margin:0 12px 0 0}header input{flex:1;max-width:420px;padding:6px 8px;border-radius:4px;border:0}
header button{padding:6px 10px;border:0;border-radius:4px;background:#cf222e;color:#fff;cursor:pointer}
header .count,header .live{font-size:12px;opacity:.8}
main{flex:1;display:flex;min-height:0}
#list{width:38%;min-width:280px;overflow:auto;border-right:1px solid #d0d7de;margin:0;padding:0;list-style:none}
#list li{padding:8px 12px;border-bottom:1px solid #eaeef2;cursor:pointer}
#list li:hover{background:#f6f8fa}#list li.selected{background:#ddf4ff}
#list .subject{font-weight:600}#list .meta,#list .snippet{font-size:12px;color:#57606a;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
#view{flex:1;display:flex;flex-direction:column;min-width:0}
#view .empty{margin:auto;color:#57606a}
#summary{padding:10px 14px;border-bottom:1px solid #d0d7de}#summary h2{margin:0 0 6px;font-size:18px}
#summary table td{padding:1px 8px 1px 0;vertical-align:top}#summary table td:first-child{color:#57606a}
nav.tabs{display:flex;gap:4px;padding:6px 14px 0;border-bottom:1px solid #d0d7de}
nav.tabs button{border:1px solid transparent;border-bottom:0;background:none;padding:6px 12px;cursor:pointer;border-radius:4px 4px 0 0}
nav.tabs button[aria-selected=true]{border-color:#d0d7de;background:#fff;margin-bottom:-1px}
nav.tabs a{margin-left:auto;align-self:center;font-size:12px}
.pane{flex:1;overflow:auto;padding:12px 14px;display:none}.pane.active{display:block}
#pane-html{padding:0}#pane-html iframe{width:100%;height:100%;border:0;background:#fff}
pre{margin:0;white-space:pre-wrap;word-break:break-word;font:12px/1.45 ui-monospace,monospace}
#pane-headers td{padding:2px 10px 2px 0;vertical-align:top;font:12px ui-monospace,monospace}#pane-headers td:first-child{font-weight:600;white-space:nowrap}
`;

const SCRIPT = `
const $ = (s) => document.querySelector(s);
let mails = [], selected = null, tab = 'html', shown = '';
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');

async function refresh() {
  const q = $('#search').value;
  try {
    const res = await fetch('/api/messages' + (q ? '?q=' + encodeURIComponent(q) : ''));
    mails = await res.json();
    $('#live').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    $('#live').textContent = 'catcher unreachable';
    return;
  }
  const key = q + '|' + mails.map((m) => m.id).join(',');
  $('#count').textContent = mails.length + ' message' + (mails.length === 1 ? '' : 's');
  if (key === shown) return;
  shown = key;
  $('#list').innerHTML = mails
    .map((m) => '<li data-id="' + esc(m.id) + '"' + (m.id === selected ? ' class="selected"' : '') + '>' +
      '<div class="subject">' + esc(m.subject || '(no subject)') + '</div>' +
      '<div class="meta">To ' + esc(m.to) + ' · ' + esc(when(m.date)) + '</div>' +
      '<div class="snippet">' + esc(m.snippet) + '</div></li>')
    .join('');
}

function showTab(name) {
  tab = name;
  for (const b of document.querySelectorAll('nav.tabs button')) b.setAttribute('aria-selected', String(b.dataset.tab === name));
  for (const p of document.querySelectorAll('.pane')) p.classList.toggle('active', p.id === 'pane-' + name);
}

async function open(id) {
  selected = id;
  for (const li of document.querySelectorAll('#list li')) li.classList.toggle('selected', li.dataset.id === id);
  const res = await fetch('/api/messages/' + encodeURIComponent(id));
  if (!res.ok) { $('#view').innerHTML = '<p class="empty">This message is gone.</p>'; return; }
  const m = await res.json();
  if (location.hash !== '#' + id) history.replaceState(null, '', '#' + id);
  $('#view').innerHTML =
    '<div id="summary"><h2>' + esc(m.subject || '(no subject)') + '</h2><table>' +
    [['From', m.from], ['To', m.to], ['Date', when(m.date)], ['Message-ID', m.messageId]].map((r) => '<tr><td>' + r[0] + '</td><td>' + esc(r[1]) + '</td></tr>').join('') +
    '</table></div>' +
    '<nav class="tabs" role="tablist">' +
    ['html', 'text', 'source', 'headers'].map((t) => '<button role="tab" data-tab="' + t + '">' + ({ html: 'HTML', text: 'Text', source: 'Source', headers: 'Headers' })[t] + '</button>').join('') +
    '<a href="/messages/' + encodeURIComponent(id) + '.eml" download>download .eml</a></nav>' +
    '<div class="pane" id="pane-html">' + (m.hasHtml
      ? '<iframe id="html-frame" title="HTML body" sandbox referrerpolicy="no-referrer" src="/api/messages/' + encodeURIComponent(id) + '/html"></iframe>'
      : '<p style="padding:12px">This message has no HTML part.</p>') + '</div>' +
    '<div class="pane" id="pane-text"><pre>' + esc(m.text) + '</pre></div>' +
    '<div class="pane" id="pane-source"><pre id="source">loading…</pre></div>' +
    '<div class="pane" id="pane-headers"><table>' + m.headers.map((h) => '<tr><td>' + esc(h.name) + '</td><td>' + esc(h.value) + '</td></tr>').join('') + '</table></div>';
  showTab(m.hasHtml || tab !== 'html' ? tab : 'text');
  fetch('/api/messages/' + encodeURIComponent(id) + '/raw').then((r) => r.text()).then((t) => { const s = $('#source'); if (s) s.textContent = t; });
}

document.addEventListener('click', (e) => {
  const li = e.target.closest('#list li');
  if (li) return void open(li.dataset.id);
  const b = e.target.closest('nav.tabs button');
  if (b) showTab(b.dataset.tab);
});
$('#search').addEventListener('input', () => void refresh());
$('#delete-all').addEventListener('click', async () => {
  if (!confirm('Delete every caught message?')) return;
  await fetch('/api/messages', { method: 'DELETE' });
  selected = null;
  history.replaceState(null, '', '/');
  $('#view').innerHTML = '<p class="empty">Select a message.</p>';
  await refresh();
});
refresh().then(() => { const id = location.hash.slice(1); if (id) void open(id); });
setInterval(refresh, 2000);
`;

export function catcherPage(dir: string): string {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Mail catcher</title><style>${STYLE}</style>
<header><h1>Mail catcher</h1><input id="search" type="search" placeholder="Search recipient, sender or subject" aria-label="Search">
<span id="count" class="count"></span><span id="live" class="live"></span><button id="delete-all" type="button">Delete all</button></header>
<main><ul id="list" aria-label="Messages"></ul><section id="view"><p class="empty">Select a message. Kept in ${esc(dir)}</p></section></main>
<script>${SCRIPT}</script></html>`;
}
