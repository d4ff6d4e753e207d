import { createServer } from 'node:net';

/**
 * A free port for a child process (npm start and its services) to listen on, below Linux's ephemeral range: not
 * port 0, since the other test files running meanwhile listen on port 0, and one of them could take a port handed out
 * that way in the moment between its release here and the child's listen. Never the same port twice in one process.
 */
const taken = new Set<number>();
export async function childPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
}
