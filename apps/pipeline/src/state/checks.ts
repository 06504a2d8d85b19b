import { StateInputError } from './errors.js';
import type { ListOptions, StateDocument, UpdateFunction, WriteOptions } from './port.js';

/** Firestore's limit on a collection id or document id, in UTF-8 bytes. */
const maxNameBytes = 1_500;

/**
 * Check a collection name or document id against Firestore's rules, so a name that works on one
 * backend works on the other.
 *
 * @throws StateInputError naming `option` and the value
 */
export function checkName(option: 'collection' | 'id', value: unknown): string {
  const problem =
    typeof value !== 'string' || value === ''
      ? 'must be a non-empty string'
      : value.includes('/')
        ? 'must not contain "/"'
        : value === '.' || value === '..'
          ? 'must not be "." or ".."'
          : /^__.*__$/.test(value)
            ? 'must not start and end with "__" (reserved by Firestore)'
            : Buffer.byteLength(value) > maxNameBytes
              ? `must be at most ${maxNameBytes} bytes`
              : undefined;
  if (problem !== undefined) {
    throw new StateInputError(
      option,
      `${option} ${problem} (got ${JSON.stringify(value)?.slice(0, 80)}); encode arbitrary keys with encodeURIComponent`,
    );
  }
  return value as string;
}

/**
 * The document as JSON text.
 *
 * @throws StateInputError (option `doc`) when it is not a JSON object
 */
export function serialize(collection: string, id: string, doc: unknown): string {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new StateInputError(
      'doc',
      `document ${collection}/${id} must be a JSON object (got ${Array.isArray(doc) ? 'an array' : String(doc)})`,
    );
  }
  try {
    return JSON.stringify(doc);
  } catch (error) {
    throw new StateInputError(
      'doc',
      `document ${collection}/${id} is not JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * The write's `expireAt` (epoch ms), or undefined.
 *
 * @throws StateInputError (option `expireAt`) when it is not a finite number
 */
export function checkExpireAt(options: WriteOptions | undefined): number | undefined {
  const expireAt = options?.expireAt;
  if (expireAt !== undefined && !Number.isFinite(expireAt)) {
    throw new StateInputError(
      'expireAt',
      `option "expireAt" must be epoch milliseconds (got ${expireAt})`,
    );
  }
  return expireAt;
}

/**
 * Check `update`'s function.
 *
 * @throws StateInputError (option `fn`) when it is not a function
 */
export function checkUpdateFunction<T extends StateDocument>(fn: UpdateFunction<T>): void {
  if (typeof fn !== 'function') {
    throw new StateInputError('fn', 'update needs a function (current) => next | undefined');
  }
}

/**
 * Check `list`'s options.
 *
 * @throws StateInputError naming `limit` or `where`
 */
export function checkListOptions(options: ListOptions): void {
  const { where, limit } = options;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) {
    throw new StateInputError('limit', `option "limit" must be a whole number >= 1 (got ${limit})`);
  }
  if (where !== undefined && (typeof where !== 'object' || where === null)) {
    throw new StateInputError('where', 'option "where" must be an object of field values');
  }
}
