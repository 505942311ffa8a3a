// Figures and the report: percentiles, the targets the issue sets, and the Markdown table.

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** Present for a figure the issue sets a target for. */
  target?: { op: '>=' | '<='; value: number };
}

export function met(f: Figure): boolean | undefined {
  if (!f.target) return undefined;
  return f.target.op === '>=' ? f.value >= f.target.value : f.value <= f.target.value;
}

/** Decimals by size: 1234, 12.3, 1.23. */
const decimals = (v: number) => (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2);
export const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(decimals(v)) : String(v));

/**
 * A figure's value as the report shows it: `fmt`, with more decimals where the rounded value would sit on
 * the other side of its target (0.695 shown as 0.70 beside "≥ 0.7 missed").
 */
export function shown(f: Figure): string {
  const ok = met(f);
  let text = fmt(f.value);
  if (ok === undefined || !Number.isFinite(f.value)) return text;
  for (let digits = decimals(f.value) + 1; met({ ...f, value: Number(text) }) !== ok && digits <= 6; digits++) text = f.value.toFixed(digits);
  return text;
}

/** The value and its unit, if it has one. */
const withUnit = (f: Figure) => (f.unit ? `${shown(f)} ${f.unit}` : shown(f));

export function markdownTable(figures: Figure[]): string {
  const rows = figures.map((f) => {
    const ok = met(f);
    const target = f.target ? `${f.target.op === '>=' ? '≥' : '≤'} ${f.target.value}` : '';
    return `| ${f.name} | ${withUnit(f)} | ${target} | ${ok === undefined ? '' : ok ? 'met' : 'missed'} |`;
  });
  return ['| figure | value | target | |', '|---|---|---|---|', ...rows].join('\n');
}

/** Two runs' figures side by side, matched by name: one column per server. */
export function sideBySide(columns: { title: string; figures: Figure[] }[]): string {
  const names = [...new Set(columns.flatMap((c) => c.figures.map((f) => f.name)))];
  const cell = (f: Figure | undefined) => {
    if (!f) return '';
    const ok = met(f);
    return `${withUnit(f)}${ok === undefined ? '' : ok ? ' (met)' : ' (missed)'}`;
  };
  const rows = names.map((name) => `| ${name} | ${columns.map((c) => cell(c.figures.find((f) => f.name === name))).join(' | ')} |`);
  return [`| figure | ${columns.map((c) => c.title).join(' | ')} |`, `|---|${columns.map(() => '---|').join('')}`, ...rows].join('\n');
}
