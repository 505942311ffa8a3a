import postgres from 'postgres';

export type Sql = postgres.Sql;

export function createSql(url: string, opts: { max?: number } = {}): Sql {
  return postgres(url, {
    max: opts.max ?? 5,
    onnotice: () => {},
    transform: { undefined: null },
  });
}
