// L1: pooled nodemailer straight to the sink, as many in flight as the pool takes.
import nodemailer from 'nodemailer';
import { delivered, DOMAIN, POOL, sample } from '../context.js';

export async function rawSmtp(port: number, n: number, prefix: string): Promise<number> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, pool: true, maxConnections: POOL, secure: false, ignoreTLS: true });
  const ids = Array.from({ length: n }, (_, i) => `<${prefix}-${i}@${DOMAIN}>`);
  const t0 = Date.now();
  await Promise.all(ids.map((messageId) => transport.sendMail({ from: 'bench@bench.local', ...sample, html: sample.html!, messageId })));
  const end = await delivered(ids, 'L1 raw SMTP');
  transport.close();
  return n / ((end - t0) / 1000);
}
