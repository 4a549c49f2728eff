// Property specifications and the checks behind 400.5/400.6/400.7 (WS API "validation" reasons).
import { badRequest } from './errors.js';
import type { Props } from './types.js';

export type ValueType = 'string' | 'int' | 'number' | 'bool' | 'array' | 'object';

export interface PropSpec {
  readonly type: ValueType;
  readonly nullable?: boolean;
  readonly enum?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly minLen?: number;
  readonly maxLen?: number;
  readonly pattern?: RegExp;
  /** `always` (default): create and update; `stopped`: update only while stopped; `create`: create only. */
  readonly writable?: 'always' | 'stopped' | 'create';
}

export type Schema = Readonly<Record<string, PropSpec>>;

/** 400.7 unless `value` satisfies `spec`. */
export function checkValue(name: string, spec: PropSpec, value: unknown): void {
  const bad = (why: string): never => {
    throw badRequest(7, `The value of field '${name}' is not valid: ${why}`);
  };
  if (value === null) {
    if (!spec.nullable) bad('null is not allowed');
    return;
  }
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') bad('expected a string');
      break;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) bad('expected an integer');
      break;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) bad('expected a number');
      break;
    case 'bool':
      if (typeof value !== 'boolean') bad('expected a boolean');
      break;
    case 'array':
      if (!Array.isArray(value)) bad('expected an array');
      break;
    case 'object':
      if (typeof value !== 'object' || Array.isArray(value)) bad('expected an object');
      break;
  }
  if (typeof value === 'string') {
    if (spec.enum && !spec.enum.includes(value)) bad(`must be one of ${spec.enum.join(', ')}`);
    if (spec.minLen !== undefined && value.length < spec.minLen) bad(`shorter than ${spec.minLen}`);
    if (spec.maxLen !== undefined && value.length > spec.maxLen) bad(`longer than ${spec.maxLen}`);
    if (spec.pattern && !spec.pattern.test(value)) bad(`does not match ${spec.pattern.source}`);
  }
  if (typeof value === 'number') {
    if (spec.min !== undefined && value < spec.min) bad(`less than ${spec.min}`);
    if (spec.max !== undefined && value > spec.max) bad(`greater than ${spec.max}`);
  }
}

/** The request body as a JSON object, else 400.3 (missing) / 400.7 (not an object). */
export function bodyObject(body: unknown): Props {
  if (body === undefined) throw badRequest(3, 'The request body is missing');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest(7, 'The request body is not a JSON object');
  }
  return body as Props;
}

/** 400.5 for the first required field that is absent. */
export function requireFields(body: Props, fields: readonly string[]): void {
  for (const f of fields) {
    if (!(f in body)) throw badRequest(5, `The required field '${f}' is missing from the request body`);
  }
}

/**
 * Checks every field of a create or update body: unknown or read-only fields -> 400.6, bad
 * values -> 400.7; on update a create-only field -> 400.6.
 */
export function checkFields(body: Props, schema: Schema, mode: 'create' | 'update'): void {
  for (const [name, value] of Object.entries(body)) {
    const spec = schema[name];
    if (!spec) throw badRequest(6, `The field '${name}' is not recognized or is read-only`);
    if (mode === 'update' && spec.writable === 'create') {
      throw badRequest(6, `The field '${name}' can only be set when the object is created`);
    }
    checkValue(name, spec, value);
  }
}
