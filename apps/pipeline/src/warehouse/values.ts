const msPerDay = 86_400_000;

/** Days since 1970-01-01 of a `YYYY-MM-DD` calendar date (checked by the caller). */
export function daysOfDate(date: string): number {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  const day = Number(date.slice(8, 10));
  return Date.UTC(year, month - 1, day) / msPerDay;
}

/** The `YYYY-MM-DD` date of a day count since 1970-01-01. */
export function dateOfDays(days: number): string {
  return new Date(days * msPerDay).toISOString().slice(0, 10);
}

const timestampPattern =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|([+-])(\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  return month === 2
    ? (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
      ? 29
      : 28
    : month === 4 || month === 6 || month === 9 || month === 11
      ? 30
      : 31;
}

/**
 * Microseconds since the epoch of an ISO 8601 timestamp with a zone (`Z` or `+01:00`) and at
 * most microsecond digits, or `undefined` when `value` is not one (a date alone, no zone, 31 Feb).
 */
export function parseTimestamp(value: string): bigint | undefined {
  const match = timestampPattern.exec(value);
  if (match === null) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hours = Number(match[4]);
  const minutes = Number(match[5]);
  const seconds = match[6] === undefined ? 0 : Number(match[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  let offsetMinutes = 0;
  if (match[9] !== undefined) {
    const zoneHours = Number(match[10]);
    const zoneMinutes = Number(match[11]);
    if (zoneHours > 23 || zoneMinutes > 59) return undefined;
    offsetMinutes = (match[9] === '-' ? -1 : 1) * (zoneHours * 60 + zoneMinutes);
  }
  const ms = Date.UTC(year, month - 1, day, hours, minutes - offsetMinutes, seconds);
  const fraction = match[7];
  return BigInt(ms) * 1000n + (fraction === undefined ? 0n : BigInt(fraction.padEnd(6, '0')));
}

/**
 * The ISO string of a timestamp in microseconds since the epoch, as `Date#toISOString()` writes
 * it (UTC, milliseconds: sub-millisecond digits are dropped, rounding towards the past).
 */
export function formatTimestamp(micros: bigint): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) throw new RangeError(`timestamp ${micros}µs is out of range`);
  return date.toISOString();
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function jsonWalk(value: unknown, ancestors: object[]): { path: string; why: string } | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value)
        ? undefined
        : { path: '', why: `is ${value}, which JSON cannot hold` };
    case 'object': {
      if (value === null) return undefined;
      if (ancestors.includes(value)) return { path: '', why: 'is a cycle' };
      const isArray = Array.isArray(value);
      if (!isArray && !isPlainObject(value)) {
        return {
          path: '',
          why: `is a ${value.constructor?.name ?? 'class instance'}, not a plain object`,
        };
      }
      ancestors.push(value);
      try {
        if (isArray) {
          for (let index = 0; index < value.length; index++) {
            const problem = jsonWalk(value[index], ancestors);
            if (problem !== undefined)
              return { path: `[${index}]${problem.path}`, why: problem.why };
          }
        } else {
          const record = value as Record<string, unknown>;
          for (const key in record) {
            if (!Object.hasOwn(record, key)) continue;
            const problem = jsonWalk(record[key], ancestors);
            if (problem !== undefined) return { path: `.${key}${problem.path}`, why: problem.why };
          }
        }
      } finally {
        ancestors.pop();
      }
      return undefined;
    }
    default:
      return {
        path: '',
        why: `is ${typeof value === 'bigint' ? 'a bigint' : typeof value}, which JSON cannot hold`,
      };
  }
}

/**
 * Why `value` is not a JSON value (a function, a `Date`, a bigint, `NaN`, `undefined` inside, a
 * cycle), as `$.a[1] is NaN, which JSON cannot hold`, or `undefined` when it is one: what
 * survives `JSON.stringify` and `JSON.parse` as it was.
 */
export function jsonProblem(value: unknown): string | undefined {
  const problem = jsonWalk(value, []);
  return problem === undefined ? undefined : `$${problem.path} ${problem.why}`;
}

/** A short description of a value for an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string': {
      const shown = JSON.stringify(value);
      return `string ${shown.length > 60 ? `${shown.slice(0, 57)}..."` : shown}`;
    }
    case 'bigint':
      return `bigint ${value}n`;
    case 'object':
      if (Array.isArray(value)) return 'an array';
      if (value instanceof Date) return 'a Date';
      return 'an object';
    case 'undefined':
      return 'undefined';
    default:
      return `${typeof value} ${String(value)}`;
  }
}
