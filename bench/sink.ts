// The SMTP sink every benchmark sends to, in a process of its own so that its work does not share a
// thread with the load generator. It keeps nothing but each message's Message-ID and arrival time,
// reported to the parent process in batches.
import { SMTPServer } from 'smtp-server';

let arrivals: [string, number][] = [];
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, cb) {
    let head = '';
    stream.on('data', (chunk: Buffer) => {
      if (head.length < 16_384) head += chunk.toString('latin1');
    });
    stream.on('end', () => {
      const id = /^message-id:\s*(<[^>\r\n]+>)/im.exec(head)?.[1] ?? '';
      arrivals.push([id, Date.now()]);
      cb(null, 'OK');
    });
  },
});
server.on('error', () => {});
server.listen(0, '127.0.0.1', () => {
  const { port } = (server as unknown as { server: { address(): { port: number } } }).server.address();
  process.send!({ port });
});
setInterval(() => {
  if (!arrivals.length) return;
  process.send!({ arrivals });
  arrivals = [];
}, 50);
process.on('disconnect', () => process.exit(0));
