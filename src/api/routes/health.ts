import { Hono } from 'hono';

/** GET / keeps the Flask mailer's body; /health/ready also checks that Temporal answers. */
export function healthRoutes(checkTemporal: () => Promise<void>) {
  return new Hono()
    .get('/', (c) => c.json({ status: 'ok', message: 'Mailing service is running' }))
    .get('/health/live', (c) => c.json({ status: 'ok' }))
    .get('/health/ready', async (c) => {
      try {
        await checkTemporal();
        return c.json({ status: 'ok', temporal: 'reachable' });
      } catch {
        return c.json({ status: 'unavailable', temporal: 'unreachable' }, 503);
      }
    });
}
