/**
 * Python's `datetime.datetime`, `datetime.date` and fixed-offset `datetime.timezone`, kept exactly
 * (microseconds, naive or aware, the UTC offset, `fold`) where a JavaScript `Date` would lose them.
 * Pickled sessions (Flask-Session's filesystem backend) hold these; `toDate()` gives the instant.
 */

const MICROSECONDS_PER_SECOND = 1_000_000;
const SECONDS_PER_DAY = 86_400;
/** Python requires `-timedelta(hours=24) < offset < timedelta(hours=24)`. */
const MAX_OFFSET_SECONDS = SECONDS_PER_DAY;
const MIN_YEAR = 1;
const MAX_YEAR = 9999;

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** Days in `month` (1–12) of `year`, proleptic Gregorian as Python's `datetime`. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function checkField(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a whole number in ${min}..${max}, got ${String(value)}`);
  }
}

function checkDay(year: number, month: number, day: number): void {
  checkField('year', year, MIN_YEAR, MAX_YEAR);
  checkField('month', month, 1, 12);
  checkField('day', day, 1, daysInMonth(year, month));
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function isoDate(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** A `Date` for a UTC wall-clock time (years 1–99 included, which `Date.UTC` would move to 19xx). */
function utcDate(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): Date {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date;
}

/**
 * A fixed UTC offset, Python's `datetime.timezone`. `PyTimezone.UTC` is Python's
 * `timezone.utc`; `PyTimezone.of(0)` returns it, as `timezone(timedelta(0))` does in Python.
 */
export class PyTimezone {
  /** `datetime.timezone.utc`. */
  static readonly UTC: PyTimezone = new PyTimezone(0, null);

  /** The offset east of UTC in whole microseconds (Python's `utcoffset()`). */
  readonly offsetMicroseconds: number;
  /** The name given to `timezone(offset, name)`, or `null`. */
  readonly name: string | null;

  private constructor(offsetMicroseconds: number, name: string | null) {
    this.offsetMicroseconds = offsetMicroseconds;
    this.name = name;
  }

  /**
   * The timezone `offsetSeconds` east of UTC (strictly between -86400 and 86400; fractions are
   * kept to the microsecond). Without a name, offset 0 is {@link PyTimezone.UTC}.
   */
  static of(offsetSeconds: number, name: string | null = null): PyTimezone {
    if (!Number.isFinite(offsetSeconds) || Math.abs(offsetSeconds) >= MAX_OFFSET_SECONDS) {
      throw new RangeError(`a UTC offset must be strictly between -${MAX_OFFSET_SECONDS} and ${MAX_OFFSET_SECONDS} seconds, got ${String(offsetSeconds)}`);
    }
    const micros = Math.round(offsetSeconds * MICROSECONDS_PER_SECOND);
    if (micros === 0 && name === null) return PyTimezone.UTC;
    return new PyTimezone(micros === 0 ? 0 : micros, name);
  }

  /** The offset east of UTC in seconds. */
  get offsetSeconds(): number {
    return this.offsetMicroseconds / MICROSECONDS_PER_SECOND;
  }

  /** The offset as Python's `isoformat` writes it: `+05:30`, `-08:00`, `+00:00:30.5`. */
  isoOffset(): string {
    const sign = this.offsetMicroseconds < 0 ? '-' : '+';
    let rest = Math.abs(this.offsetMicroseconds);
    const micros = rest % MICROSECONDS_PER_SECOND;
    rest = (rest - micros) / MICROSECONDS_PER_SECOND;
    const seconds = rest % 60;
    const minutes = ((rest - seconds) / 60) % 60;
    const hours = Math.floor(rest / 3600);
    let text = `${sign}${pad(hours, 2)}:${pad(minutes, 2)}`;
    if (seconds !== 0 || micros !== 0) text += `:${pad(seconds, 2)}`;
    if (micros !== 0) text += `.${pad(micros, 6)}`;
    return text;
  }

  /** Python's `str(tz)`: the name, `UTC`, or `UTC+05:30`. */
  toString(): string {
    if (this.name !== null) return this.name;
    return this.offsetMicroseconds === 0 ? 'UTC' : `UTC${this.isoOffset()}`;
  }
}

/** The fields of a {@link PyDateTime}; the time fields default to 0, `tzinfo` to naive. */
export interface PyDateTimeFields {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  microsecond?: number;
  /** `null` (or absent) for a naive datetime. */
  tzinfo?: PyTimezone | null;
  /** Python's `fold` (0 or 1): which of two repeated wall-clock times is meant. */
  fold?: 0 | 1;
}

/** Python's `datetime.datetime`: naive (`tzinfo === null`) or aware with a fixed offset. */
export class PyDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly microsecond: number;
  /** The timezone, or `null` for a naive datetime. */
  readonly tzinfo: PyTimezone | null;
  readonly fold: 0 | 1;

  /** @throws RangeError for a field outside Python's range (year 1–9999, a real day of the month…). */
  constructor(fields: PyDateTimeFields) {
    const { year, month, day, hour = 0, minute = 0, second = 0, microsecond = 0, tzinfo = null, fold = 0 } = fields;
    checkDay(year, month, day);
    checkField('hour', hour, 0, 23);
    checkField('minute', minute, 0, 59);
    checkField('second', second, 0, 59);
    checkField('microsecond', microsecond, 0, MICROSECONDS_PER_SECOND - 1);
    if (fold !== 0 && fold !== 1) throw new RangeError(`fold must be 0 or 1, got ${String(fold)}`);
    if (tzinfo !== null && !(tzinfo instanceof PyTimezone)) throw new TypeError('tzinfo must be a PyTimezone or null');
    this.year = year;
    this.month = month;
    this.day = day;
    this.hour = hour;
    this.minute = minute;
    this.second = second;
    this.microsecond = microsecond;
    this.tzinfo = tzinfo;
    this.fold = fold;
  }

  /** The aware UTC datetime of a `Date` (milliseconds become microseconds). */
  static fromDate(date: Date): PyDateTime {
    const ms = date.getTime();
    if (!Number.isFinite(ms)) throw new RangeError('an invalid Date has no datetime');
    return new PyDateTime({
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: date.getUTCHours(),
      minute: date.getUTCMinutes(),
      second: date.getUTCSeconds(),
      microsecond: date.getUTCMilliseconds() * 1000,
      tzinfo: PyTimezone.UTC,
    });
  }

  /** Whether the datetime has a timezone. */
  get aware(): boolean {
    return this.tzinfo !== null;
  }

  /**
   * The instant as a `Date` (microseconds cut to milliseconds). A naive datetime is read as UTC
   * wall-clock time, which is what Flask and Flask-Session store in naive datetimes.
   */
  toDate(): Date {
    const wall = utcDate(this.year, this.month, this.day, this.hour, this.minute, this.second, Math.floor(this.microsecond / 1000));
    if (this.tzinfo === null) return wall;
    return new Date(wall.getTime() - Math.round(this.tzinfo.offsetMicroseconds / 1000));
  }

  /** Python's `isoformat()`: `2024-02-29T23:59:58.999999`, `2024-02-29T12:00:00+05:30`. */
  isoformat(): string {
    let text = `${isoDate(this.year, this.month, this.day)}T${pad(this.hour, 2)}:${pad(this.minute, 2)}:${pad(this.second, 2)}`;
    if (this.microsecond !== 0) text += `.${pad(this.microsecond, 6)}`;
    if (this.tzinfo !== null) text += this.tzinfo.isoOffset();
    return text;
  }

  /** The ISO text, as `isoformat()`. */
  toString(): string {
    return this.isoformat();
  }

  /** The ISO text, so `JSON.stringify` shows the datetime. */
  toJSON(): string {
    return this.isoformat();
  }
}

/** Python's `datetime.date`. */
export class PyDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;

  /** @throws RangeError for a year outside 1–9999 or a day the month does not have. */
  constructor(year: number, month: number, day: number) {
    checkDay(year, month, day);
    this.year = year;
    this.month = month;
    this.day = day;
  }

  /** Midnight UTC of the day. */
  toDate(): Date {
    return utcDate(this.year, this.month, this.day, 0, 0, 0, 0);
  }

  /** Python's `isoformat()`: `2024-02-29`. */
  isoformat(): string {
    return isoDate(this.year, this.month, this.day);
  }

  /** The ISO text, as `isoformat()`. */
  toString(): string {
    return this.isoformat();
  }

  /** The ISO text, so `JSON.stringify` shows the date. */
  toJSON(): string {
    return this.isoformat();
  }
}
