import { RelengError } from '../util/errors.ts';
import { didYouMean } from '../util/suggest.ts';

/** The value shapes configuration keys can take. */
export type Kind =
  | 'string'
  | 'boolean'
  | 'integer'
  | 'strings'
  | 'stringOrStrings'
  | 'stringMap'
  | 'record'
  | 'function'
  | 'array'
  | 'stringsOrMap'
  | 'stringOrModeMap'
  | 'stringOrBoolean'
  | 'booleanOrStrings'
  | 'stringOrNullMap'
  | { oneOf: readonly string[] };

export type Spec = Readonly<Record<string, Kind>>;

/** Where the values came from, for error messages. */
export interface Origin {
  file: string;
  pkg?: string;
  /** How keys are written in this file (native camelCase, or releng-tool's `LIBX_` prefix). */
  keyLabel?: (key: string) => string;
}

function describe(kind: Kind): string {
  if (typeof kind === 'object') return `one of ${kind.oneOf.map((v) => `"${v}"`).join(', ')}`;
  return {
    string: 'a string',
    boolean: 'true or false',
    stringOrBoolean: 'a command string, or true or false',
    integer: 'a whole number',
    strings: 'a list of strings',
    stringOrStrings: 'a string or a list of strings',
    booleanOrStrings: 'True/False, a string or a list of strings',
    stringMap: 'an object of string values',
    stringOrNullMap: 'an object of string (or None) values',
    record: 'an object',
    function: 'a function',
    array: 'a list',
    stringsOrMap: 'a list of strings or an object of strings',
    stringOrModeMap: "a string, or an object of strings keyed by development mode ('*' = default)",
  }[kind];
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40) ?? ''}`.trim();
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks one value against a kind. */
export function matches(kind: Kind, value: unknown): boolean {
  if (typeof kind === 'object') return typeof value === 'string' && kind.oneOf.includes(value);
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'stringOrStrings':
      return typeof value === 'string' || matches('strings', value);
    case 'booleanOrStrings':
      return typeof value === 'boolean' || matches('stringOrStrings', value);
    case 'stringOrBoolean':
      return typeof value === 'string' || typeof value === 'boolean';
    case 'stringOrNullMap':
      return (
        isPlainObject(value) &&
        Object.values(value).every((v) => typeof v === 'string' || v === null)
      );
    case 'stringMap':
      return isPlainObject(value) && Object.values(value).every((v) => typeof v === 'string');
    case 'record':
      return isPlainObject(value);
    case 'function':
      return typeof value === 'function';
    case 'array':
      return Array.isArray(value);
    case 'stringOrModeMap':
      return typeof value === 'string' || matches('stringMap', value);
    case 'stringsOrMap':
      return (
        matches('strings', value) ||
        (isPlainObject(value) &&
          Object.values(value).every((v) => v === null || typeof v === 'string'))
      );
  }
}

/**
 * Validates an object against a spec: unknown keys are errors with the
 * closest valid key, wrong types are errors naming the expected shape.
 */
export function validate(values: Record<string, unknown>, spec: Spec, origin: Origin): void {
  const label = origin.keyLabel ?? ((k: string) => k);
  for (const [key, value] of Object.entries(values)) {
    const kind = spec[key];
    if (kind === undefined) {
      throw new RelengError(
        `unknown option "${label(key)}"${didYouMean(label(key), Object.keys(spec).map(label))}`,
        { file: origin.file, pkg: origin.pkg, hint: 'remove it or fix its name' },
      );
    }
    if (value === undefined) continue;
    if (!matches(kind, value)) {
      throw new RelengError(
        `option "${label(key)}" must be ${describe(kind)}, not ${typeName(value)}`,
        { file: origin.file, pkg: origin.pkg },
      );
    }
  }
}

/** A string or list of strings as a list. */
export function toList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}
