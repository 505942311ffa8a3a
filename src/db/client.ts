import postgres from 'postgres';

export type Sql = postgres.Sql;

export function createSql(url: string, opts: { max?: number; asyncCommit?: boolean } = {}): Sql {
  return postgres(url, {
    max: opts.max ?? 5,
    onnotice: () => {},
    transform: { undefined: null },
    // A commit that does not wait for the WAL flush: visible to every session at once, and kept
    // through a crash of this process, but not of PostgreSQL itself (its last moments of writes).
    ...(opts.asyncCommit ? { connection: { synchronous_commit: 'off' } } : {}),
  });
}
