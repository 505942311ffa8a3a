import { randomBytes } from 'node:crypto';
import { createSql, type Sql } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { infra } from './env.js';

/** A fresh, migrated database of its own for one test file. */
export async function createTestDatabase(): Promise<{ url: string; sql: Sql; drop(): Promise<void> }> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = createSql(infra.databaseUrl, { max: 1 });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = infra.databaseUrl.replace(/\/[^/?]+(\?|$)/, `/${name}$1`);
  const sql = createSql(url);
  await migrate(sql);
  return {
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end({ timeout: 5 });
    },
  };
}

export interface SeedTask {
  title: string;
  dueAt: Date;
  completed?: boolean;
  notified?: boolean;
  ownerEmail?: string;
}

/** Inserts one owner and project per distinct owner email, then the tasks; returns task ids in order. */
export async function seedTasks(sql: Sql, tasks: SeedTask[]): Promise<string[]> {
  const projects = new Map<string, string>();
  const ids: string[] = [];
  for (const t of tasks) {
    const owner = t.ownerEmail ?? 'owner@example.com';
    let projectId = projects.get(owner);
    if (!projectId) {
      const [u] = await sql`INSERT INTO users (email, name) VALUES (${owner}, ${owner.split('@')[0]!}) RETURNING id`;
      const [p] = await sql`INSERT INTO projects (name, owner_id) VALUES (${`Project of ${owner}`}, ${u!.id}) RETURNING id`;
      projectId = String(p!.id);
      projects.set(owner, projectId);
    }
    const [row] = await sql`
      INSERT INTO tasks (project_id, title, due_at, is_completed, notification_sent)
      VALUES (${projectId}, ${t.title}, ${t.dueAt}, ${t.completed ?? false}, ${t.notified ?? false}) RETURNING id`;
    ids.push(String(row!.id));
  }
  return ids;
}
