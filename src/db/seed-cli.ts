// `npm run seed [owner@example.com]`: demo tasks in the database the worker uses.
import { createSql } from './client.js';
import { migrate } from './migrate.js';
import { seedDemo } from './seed.js';
import { embeddedPostgresUrl } from '../dev/postgres.js';
import { loadEnvOrExit } from '../env.js';

async function main() {
  const config = loadEnvOrExit();
  const url = config.databaseUrl ?? embeddedPostgresUrl(config.embeddedPostgresPort);
  const sql = createSql(url, { max: 1 });
  try {
    await migrate(sql);
    const owner = process.argv[2] ?? 'owner@example.com';
    const { taskIds } = await seedDemo(sql, owner);
    console.log(`inserted a project owned by ${owner} with tasks ${taskIds.join(', ')}`);
    console.log('now run: npm run temporal -- schedule trigger --schedule-id due-task-sweep');
  } finally {
    await sql.end({ timeout: 5 });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
