import { once } from 'node:events';
import { createServer } from 'node:net';

/**
 * A free loopback port (the OS picks it; another process could take it before we do, rarely).
 * Nothing listens there once it is returned: also the address of a server that cannot be reached.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
