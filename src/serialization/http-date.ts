/**
 * Werkzeug's `http_date` / `parse_date`, the text Flask's ` d` tag stores for a `datetime`.
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] as const;
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
// Zone names Python's email.utils knows, as ±hhmm.
const ZONES: Readonly<Record<string, number>> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0,
  AST: -400, ADT: -300, EST: -500, EDT: -400, CST: -600, CDT: -500, MST: -700, MDT: -600, PST: -800, PDT: -700,
};
// [weekday,] day month year hh:mm[:ss] [zone]
const RFC2822 = new RegExp(
  String.raw`^\s*(?:[A-Za-z]+,\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{1,4})\s+` +
    String.raw`(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\s+([A-Za-z]+|[+-]\d{4}))?\s*$`,
);

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * Formats a `Date` as Werkzeug's `http_date` does, in UTC with whole seconds (milliseconds are
 * dropped): `Wed, 02 Jan 2030 03:04:05 GMT`. Returns `undefined` for an invalid date or a year
 * outside Python's 1..9999.
 */
export function formatHttpDate(date: Date): string | undefined {
  const year = date.getUTCFullYear();
  if (!(year >= 1 && year <= 9999)) return undefined;
  return (
    `${DAYS[date.getUTCDay()]}, ${pad(date.getUTCDate(), 2)} ${MONTH_NAMES[date.getUTCMonth()]} ${pad(year, 4)} ` +
    `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)} GMT`
  );
}

/**
 * Parses an RFC 2822 date as Werkzeug's `parse_date` does for the forms Flask and mail software
 * write: optional weekday, day, month name, year (two-digit years as Python maps them), `hh:mm` or
 * `hh:mm:ss`, and a zone (`GMT`, `UT`, `UTC`, `Z`, US zone names, `±hhmm`; none means UTC).
 * Returns `undefined` where Werkzeug returns `None` or this stricter reader refuses.
 */
export function parseHttpDate(text: string): Date | undefined {
  const m = RFC2822.exec(text);
  if (m === null) return undefined;
  const [, dd, mon, yy, hh, mi, ss, zone] = m;
  const month = MONTHS.indexOf(mon?.toLowerCase() as (typeof MONTHS)[number]);
  if (month < 0) return undefined;
  let year = Number(yy);
  if (year < 100) year += year > 68 ? 1900 : 2000;
  const day = Number(dd);
  const hour = Number(hh);
  const minute = Number(mi);
  const second = ss === undefined ? 0 : Number(ss);
  if (hour > 23 || minute > 59 || second > 59 || day < 1) return undefined;

  let offset = 0; // ±hhmm as an integer, as Python reads it
  if (zone !== undefined) {
    const named = ZONES[zone.toUpperCase()];
    if (named !== undefined) offset = named;
    else if (/^[+-]\d{4}$/.test(zone)) offset = Number(zone);
    else return undefined;
  }
  const sign = offset < 0 ? -1 : 1;
  const abs = Math.abs(offset);
  const offsetSeconds = sign * (Math.floor(abs / 100) * 3600 + (abs % 100) * 60);
  if (Math.abs(offsetSeconds) >= 86400) return undefined;

  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  if (date.getUTCMonth() !== month || date.getUTCDate() !== day) return undefined; // e.g. 31 Feb
  date.setUTCHours(hour, minute, second, 0);
  return new Date(date.getTime() - offsetSeconds * 1000);
}
