/**
 * The suite always runs against a real PostgreSQL and a real Redis as well as PGlite: the
 * multi-node, relay and PostgreSQL cases must not vanish because a variable was not set.
 * Both default to the local servers that development machines and CI run; point DATABASE_URL
 * or REDIS_URL_TEST elsewhere to use others. When one is unreachable the run stops at once
 * with a message that names it, instead of skipping the cases that need it.
 */
import { createConnection } from 'node:net';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The environment the test workers get: the caller's settings, else the local servers. */
export function testServiceEnv(env: NodeJS.ProcessEnv = process.env): { DATABASE_URL: string; REDIS_URL_TEST: string } {
  return {
    DATABASE_URL: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    REDIS_URL_TEST: env.REDIS_URL_TEST || DEFAULT_REDIS_URL
  };
}

async function reachPostgres(url: string): Promise<void> {
  // Loaded here, not at the top: vite.config.ts imports this module for every build too.
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Sends PING with the inline protocol and waits for +PONG (or an error reply). */
function reachRedis(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.end();
      const reply = data.toString();
      if (reply.startsWith('+PONG') || reply.startsWith('-NOAUTH')) resolve();
      else reject(new Error(`unexpected reply ${JSON.stringify(reply.slice(0, 40))}`));
    });
  });
}

/** Throws a message naming the server and the variable to set when either is unreachable. */
export async function requireTestServices(env = testServiceEnv()): Promise<void> {
  const problems: string[] = [];
  await reachPostgres(env.DATABASE_URL).catch((e: Error) =>
    problems.push(`PostgreSQL at ${env.DATABASE_URL} (DATABASE_URL): ${e.message}`)
  );
  await reachRedis(env.REDIS_URL_TEST).catch((e: Error) =>
    problems.push(`Redis at ${env.REDIS_URL_TEST} (REDIS_URL_TEST): ${e.message}`)
  );
  if (problems.length) {
    throw new Error(`The test suite needs these servers and could not reach them:\n  ${problems.join('\n  ')}`);
  }
}
