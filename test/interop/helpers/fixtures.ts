/** The cookies recorded from Flask in test/fixtures/flask-cookies.json. */
import { readFileSync } from 'node:fs';

/** One cookie Flask made: `tagged_json` signed with `secret` at `timestamp`. */
export interface FlaskCookieVector {
  secret: string;
  timestamp: number;
  tagged_json: string;
  cookie: string;
  compressed: boolean;
}

/** The whole fixture file. */
export interface FlaskCookieFixtures {
  made_with: Record<string, string>;
  vectors: FlaskCookieVector[];
  /** A cookie signed with `old_secret`, to open with `new_secret` plus `old_secret` as fallback. */
  fallback: { old_secret: string; new_secret: string; cookie: string; tagged_json: string };
}

export const FLASK_COOKIES = JSON.parse(
  readFileSync(new URL('../../fixtures/flask-cookies.json', import.meta.url), 'utf8'),
) as FlaskCookieFixtures;
