import { escapeHtml } from '../enhance/html.js';
import type { DueTask, RenderedEmail } from '../shared.js';

export interface ReminderStyle {
  timeZone: string;
  linkBaseUrl?: string;
}


// One formatter per zone: building an Intl.DateTimeFormat costs far more than using one, and its
// native memory is not something the garbage collector hurries to reclaim.
const formatters = new Map<string, Intl.DateTimeFormat>();

/** "Monday 23 November 2026, 14:00 (Europe/Paris)": the zone is named so nobody guesses. */
export function formatDue(iso: string, timeZone: string): string {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  return `${format.format(new Date(iso))} (${timeZone})`;
}

export function taskLink(task: DueTask, base?: string): string | undefined {
  if (!base) return undefined;
  return `${base.replace(/\/+$/, '')}/projects/${encodeURIComponent(task.projectId)}/tasks/${encodeURIComponent(task.taskId)}`;
}

export function renderReminder(task: DueTask, style: ReminderStyle): RenderedEmail {
  const due = formatDue(task.dueAt, style.timeZone);
  const link = taskLink(task, style.linkBaseUrl);
  const greeting = task.ownerName ? `Hello ${task.ownerName},` : 'Hello,';
  const text = [
    greeting,
    '',
    `The task "${task.title}" in the project "${task.projectName}" is due ${due}.`,
    ...(link ? ['', `Open it: ${link}`] : []),
    '',
    'This reminder is sent once per task and due time.',
  ].join('\n');
  const html = [
    `<p>${escapeHtml(greeting)}</p>`,
    `<p>The task <strong>${escapeHtml(task.title)}</strong> in the project <strong>${escapeHtml(task.projectName)}</strong> is due <strong>${escapeHtml(due)}</strong>.</p>`,
    ...(link ? [`<p><a href="${escapeHtml(link)}">Open the task</a></p>`] : []),
    '<p style="color:#666666;font-size:12px">This reminder is sent once per task and due time.</p>',
  ].join('\n');
  return { to: task.ownerEmail, subject: `Reminder: "${task.title}" is due ${due}`, text, html };
}

/** Digest mode: one email listing all of an owner's due tasks, soonest first. */
export function renderDigest(tasks: DueTask[], style: ReminderStyle): RenderedEmail {
  const owner = tasks[0]!;
  const greeting = owner.ownerName ? `Hello ${owner.ownerName},` : 'Hello,';
  const lines = tasks.map((t) => {
    const link = taskLink(t, style.linkBaseUrl);
    return { t, due: formatDue(t.dueAt, style.timeZone), link };
  });
  const text = [
    greeting,
    '',
    `${tasks.length} task${tasks.length === 1 ? ' is' : 's are'} due soon:`,
    '',
    ...lines.map(({ t, due, link }) => `- "${t.title}" (${t.projectName}), due ${due}${link ? `: ${link}` : ''}`),
    '',
    'Each task is reminded once per due time.',
  ].join('\n');
  const items = lines
    .map(({ t, due, link }) => {
      const title = link ? `<a href="${escapeHtml(link)}">${escapeHtml(t.title)}</a>` : escapeHtml(t.title);
      return `<li><strong>${title}</strong> (${escapeHtml(t.projectName)}), due ${escapeHtml(due)}</li>`;
    })
    .join('\n');
  const html = `<p>${escapeHtml(greeting)}</p>\n<p>${tasks.length} task${tasks.length === 1 ? ' is' : 's are'} due soon:</p>\n<ul>\n${items}\n</ul>\n<p style="color:#666666;font-size:12px">Each task is reminded once per due time.</p>`;
  return { to: owner.ownerEmail, subject: `Reminder: ${tasks.length} task${tasks.length === 1 ? '' : 's'} due soon`, text, html };
}
