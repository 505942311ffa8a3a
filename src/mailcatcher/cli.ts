// `npm run mail`: lists what the local mail catcher kept (newest first).
import path from 'node:path';
import { loadEnvOrExit } from '../env.js';
import { listMail } from './web.js';

async function main() {
  const config = loadEnvOrExit();
  const dir = path.join(config.dataDir, 'mail');
  const mails = await listMail(dir);
  if (!mails.length) console.log(`No mail in ${dir} yet.`);
  for (const m of mails) console.log(`${m.date}  ${m.to}  ${m.subject}  ${m.messageId}  ${path.join(dir, `${m.id}.eml`)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
