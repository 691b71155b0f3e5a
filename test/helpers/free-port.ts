import { createServer } from 'node:net';

/**
 * A free TCP port on 127.0.0.1: the OS picks it and it is released at once, so nothing listens
 * on it (the tiny race until someone reuses it is acceptable in tests).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
