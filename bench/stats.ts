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

const fmt = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2)) : String(v));

export function markdownTable(figures: Figure[]): string {
  const rows = figures.map((f) => {
    const ok = met(f);
    const target = f.target ? `${f.target.op === '>=' ? '≥' : '≤'} ${f.target.value}` : '';
    return `| ${f.name} | ${fmt(f.value)} ${f.unit} | ${target} | ${ok === undefined ? '' : ok ? 'met' : 'missed'} |`;
  });
  return ['| figure | value | target | |', '|---|---|---|---|', ...rows].join('\n');
}
