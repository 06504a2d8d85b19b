/** A value the YAML emitter writes: JSON's plain data. */
export type YamlValue =
  | string
  | number
  | boolean
  | null
  | readonly YamlValue[]
  | { readonly [key: string]: YamlValue | undefined };

const plain = /^[A-Za-z_/][A-Za-z0-9_./:@*-]*$/;
const reserved = /^(true|false|yes|no|on|off|null|~|y|n)$/i;

/** A scalar as YAML: plain when unambiguous, else JSON's double-quoted form (valid YAML). */
function scalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`toYaml: ${value} is not a finite number`);
    return String(value);
  }
  if (typeof value === 'boolean') return String(value);
  return plain.test(value) && !reserved.test(value) ? value : JSON.stringify(value);
}

function isObject(value: YamlValue): value is { readonly [key: string]: YamlValue | undefined } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function entries(value: { readonly [key: string]: YamlValue | undefined }): [string, YamlValue][] {
  return Object.entries(value).filter(
    (entry): entry is [string, YamlValue] => entry[1] !== undefined,
  );
}

/** A scalar or an empty collection, on one line. */
function inline(value: YamlValue): string {
  if (Array.isArray(value)) return '[]';
  if (isObject(value)) return '{}';
  return scalar(value as string | number | boolean | null);
}

/** The block lines of a non-empty list or object; undefined for what fits on one line. */
function block(value: YamlValue, indent: string): string[] | undefined {
  if (Array.isArray(value)) {
    const list = value as readonly YamlValue[];
    if (list.length === 0) return undefined;
    return list.flatMap((item) => {
      const inner = block(item, `${indent}  `);
      if (inner === undefined) return [`${indent}- ${inline(item)}`];
      const [first = '', ...rest] = inner;
      return [`${indent}- ${first.slice(indent.length + 2)}`, ...rest];
    });
  }
  if (isObject(value)) {
    const fields = entries(value);
    if (fields.length === 0) return undefined;
    return fields.flatMap(([key, item]) => {
      const inner = block(item, `${indent}  `);
      if (inner === undefined) return [`${indent}${scalar(key)}: ${inline(item)}`];
      return [`${indent}${scalar(key)}:`, ...inner];
    });
  }
  return undefined;
}

/**
 * Write plain data as block YAML: two-space indents, lists of objects as `- key: value`, strings
 * quoted only where YAML would read them otherwise, empty collections as `[]` / `{}`, and
 * `undefined` fields left out. Enough for a reviewable manifest; no anchors, tags or multi-line
 * strings.
 *
 * @example
 * ```ts
 * toYaml({ topics: ['a', 'b'] }); // 'topics:\n  - a\n  - b\n'
 * ```
 */
export function toYaml(value: YamlValue): string {
  return `${(block(value, '') ?? [inline(value)]).join('\n')}\n`;
}
