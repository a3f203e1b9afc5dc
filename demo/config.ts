/**
 * Reads the demo's settings from environment variables.
 */
import type { DemoOptions } from './app.js';

/** The secret used when `SECRET_KEY` is not set: public, so fit only for trying the demo. */
export const DEV_SECRET_KEY = 'sessionkit-demo-dev-secret-do-not-use-in-production';

/** Settings read from the environment, and what is worth a warning. */
export interface EnvConfig {
  options: DemoOptions;
  warnings: string[];
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 5000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PORT must be a number from 0 to 65535, got "${value}"`);
  return port;
}

/**
 * `PORT` (5000), `HOST` (127.0.0.1), `SESSION_TYPE` (sqlite), `SECRET_KEY` (a development secret,
 * with a warning), `REDIS_URL` (redis://127.0.0.1:6379), `MEMCACHED_SERVERS` (127.0.0.1:11211),
 * `MONGODB_URL` (mongodb://127.0.0.1:27017), `DATABASE_URL` (for `postgres` / `mysql`: the local
 * server's `test` database), `DEMO_DATA_DIR` (demo/data).
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  const warnings: string[] = [];
  let secretKey = env.SECRET_KEY;
  if (!secretKey) {
    secretKey = DEV_SECRET_KEY;
    warnings.push('SECRET_KEY is not set: using a development secret that anyone can read. Set SECRET_KEY to a long random string outside development.');
  } else if (secretKey.length < 32) {
    warnings.push('SECRET_KEY is shorter than 32 characters; a long random string is safer (e.g. `openssl rand -base64 32`).');
  }
  const options: DemoOptions = {
    port: parsePort(env.PORT),
    host: env.HOST || '127.0.0.1',
    sessionType: env.SESSION_TYPE || undefined,
    secretKey,
    redisUrl: env.REDIS_URL || undefined,
    memcachedServers: env.MEMCACHED_SERVERS || undefined,
    mongodbUrl: env.MONGODB_URL || undefined,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.DEMO_DATA_DIR || undefined,
  };
  return { options, warnings };
}
