/**
 * How sessionkit's declarations of `req.session` live with other declarations of it, in projects
 * type-checking against the built package: an app's own declaration replaces sessionkit's, and
 * with `@types/express-session` or `@types/cookie-session` installed (a migration) their type wins
 * while `getSession(req)` stays sessionkit's, exactly as docs/adapters.md says — including the
 * one diagnostic `skipLibCheck: false` reports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce } from '../interop/helpers/cli.js';
import { typeCheck, writeConsumer, type ConsumerProject } from './support/consumer.js';

const AUGMENTATION = `declare module 'sessionkit' {
  interface SessionData { visits?: number }
}`;

/** An Express app in a project that also has express-session's types. */
const WITH_EXPRESS_SESSION = `import type {} from 'express-session';
import express from 'express';
import { CookieSessionInterface } from 'sessionkit';
import { getSession, session } from 'sessionkit/express';
${AUGMENTATION}

const app = express();
app.use(session({ sessionInterface: new CookieSessionInterface({ secret: 'a long random secret' }) }));
app.get('/', (req, res) => {
  // req.session is express-session's here…
  req.session.regenerate(() => undefined);
  // @ts-expect-error -- …which has no set()
  req.session.set('visits', 1);
  // …and getSession(req) is sessionkit's, typed by SessionData.
  const visits: number = getSession(req).get('visits', 0);
  // @ts-expect-error -- visits is a number
  getSession(req).set('visits', 'many');
  res.send(String(visits));
});
`;

/** The same with cookie-session's types, which declare \`req.session\` optional. */
const WITH_COOKIE_SESSION = `import type {} from 'cookie-session';
import express from 'express';
import { CookieSessionInterface } from 'sessionkit';
import { getSession, session } from 'sessionkit/express';
${AUGMENTATION}

const app = express();
app.use(session({ sessionInterface: new CookieSessionInterface({ secret: 'a long random secret' }) }));
app.get('/', (req, res) => {
  // @ts-expect-error -- req.session is cookie-session's (possibly null)
  req.session.get('visits');
  const visits: number = getSession(req).get('visits', 0);
  res.send(String(visits));
});
`;

/** An app that declares \`req.session\` / \`request.session\` / \`ctx.session\` itself, with its own data type. */
const OWN_DECLARATIONS = `import express from 'express';
import Fastify from 'fastify';
import { CookieSessionInterface, type Session } from 'sessionkit';
import { session } from 'sessionkit/express';
import { sessionPlugin } from 'sessionkit/fastify';

interface Cart { items?: number[] }
declare global {
  namespace Express {
    interface Request { session: Session<Cart> }
  }
}
declare module 'fastify' {
  interface FastifyRequest { session: Session<Cart> }
}

const carts = new CookieSessionInterface<Cart>({ secret: 'a long random secret' });
const app = express();
app.use(session({ sessionInterface: carts }));
app.get('/', (req, res) => {
  const items: number[] = req.session.get('items', []);
  // @ts-expect-error -- the app's own type
  req.session.set('items', 'none');
  res.send(String(items.length));
});
const fastify = Fastify();
void fastify.register(sessionPlugin({ sessionInterface: carts }));
fastify.get('/', async (request) => {
  // @ts-expect-error -- the app's own type
  request.session.set('items', 'none');
  return request.session.get('items') ?? [];
});
`;

let dir: string;

beforeAll(async () => {
  await buildOnce();
  dir = mkdtempSync(join(tmpdir(), 'sessionkit-framework-types-'));
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function check(name: string, project: Omit<ConsumerProject, 'resolution'>): string {
  const result = typeCheck(writeConsumer(join(dir, name), { resolution: 'nodenext', ...project }));
  return result.output;
}

/** The error lines (`file(line,col): error TSxxxx: …`) of a tsc output. */
function errorLines(output: string): string[] {
  return output.split('\n').filter((line) => / error TS\d+:/.test(line));
}

describe('other declarations of req.session', () => {
  it("an app's own declarations replace sessionkit's, with no error even under skipLibCheck: false", () => {
    const output = check('own', { files: { 'app.ts': OWN_DECLARATIONS }, packages: ['express', 'fastify'], options: { skipLibCheck: false } });
    expect(output).toBe('');
  }, 240_000);

  it('with @types/express-session, its req.session wins and getSession(req) is typed by SessionData', () => {
    const output = check('express-session', { files: { 'app.ts': WITH_EXPRESS_SESSION }, packages: ['express', 'express-session'] });
    expect(output).toBe('');
  }, 240_000);

  it('with @types/express-session and skipLibCheck: false, the one diagnostic is TS2430 in @types/express-serve-static-core', () => {
    const output = check('express-session-lib-check', {
      files: { 'app.ts': WITH_EXPRESS_SESSION },
      packages: ['express', 'express-session'],
      options: { skipLibCheck: false },
    });
    const errors = errorLines(output);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/@types\/express-serve-static-core\/index\.d\.ts\(\d+,\d+\): error TS2430: Interface 'Request' incorrectly extends interface 'ExpressSessionRequest'\./);
  }, 240_000);

  it('with @types/cookie-session, its req.session wins and getSession(req) is typed by SessionData', () => {
    const output = check('cookie-session', { files: { 'app.ts': WITH_COOKIE_SESSION }, packages: ['express', 'cookie-session'] });
    expect(output).toBe('');
  }, 240_000);
});
