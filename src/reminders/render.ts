import { Context } from '@temporalio/activity';
import { escapeHtml } from '../enhance/html.js';
import type { DueTask, RenderedEmail } from '../shared.js';

export interface ReminderStyle {
  /** REMINDER_TIME_ZONE: used when the owner has no time zone of their own, or an invalid one. */
  timeZone: string;
  linkBaseUrl?: string;
  /** Where an invalid owner time zone is reported; default: the activity's logger (or stderr outside one). */
  warn?: (message: string, fields: Record<string, unknown>) => void;
}

/** A task as the store reads it: with its owner's time zone when the users table has one. */
export type ZonedTask = DueTask & { ownerTimeZone?: string | null };

function defaultWarn(message: string, fields: Record<string, unknown>): void {
  try {
    Context.current().log.warn(message, fields);
  } catch {
    console.warn(message, fields);
  }
}

const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;
const validZones = new Map<string, boolean>();

function isValidZone(zone: string): boolean {
  let ok = validZones.get(zone);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-GB', { timeZone: zone });
      ok = IANA_NAME.test(zone);
    } catch {
      ok = false;
    }
    if (validZones.size < 1_000) validZones.set(zone, ok);
  }
  return ok;
}

/** The owner's zone when it is a valid IANA name; otherwise REMINDER_TIME_ZONE, with a warning, never a failure. */
export function zoneFor(task: ZonedTask, style: ReminderStyle): string {
  const zone = task.ownerTimeZone?.trim();
  if (!zone) return style.timeZone;
  if (isValidZone(zone)) return zone;
  (style.warn ?? defaultWarn)('owner time zone is not a valid IANA name; using REMINDER_TIME_ZONE', {
    ownerId: task.ownerId,
    taskId: task.taskId,
    ownerTimeZone: zone.slice(0, 100),
    fallback: style.timeZone,
  });
  return style.timeZone;
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

export function renderReminder(task: ZonedTask, style: ReminderStyle): RenderedEmail {
  const due = formatDue(task.dueAt, zoneFor(task, style));
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
export function renderDigest(tasks: ZonedTask[], style: ReminderStyle): RenderedEmail {
  const owner = tasks[0]!;
  // One owner, one zone: every line of the digest reads in it.
  const zone = zoneFor(owner, style);
  const greeting = owner.ownerName ? `Hello ${owner.ownerName},` : 'Hello,';
  const lines = tasks.map((t) => {
    const link = taskLink(t, style.linkBaseUrl);
    return { t, due: formatDue(t.dueAt, zone), link };
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
