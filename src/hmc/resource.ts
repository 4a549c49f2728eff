import { NoUniqueMatchError, NotFoundError } from './errors.js';

/** Properties of an HMC object as returned by a GET (known keys are typed by each module). */
export type Properties = Record<string, unknown>;

/** Exactly one item or a typed error (NotFoundError, NoUniqueMatchError). */
export function expectOne<T>(
  resourceClass: string,
  filter: Record<string, unknown>,
  items: readonly T[],
  uriOf: (item: T) => string,
): T {
  if (items.length === 1) return items[0] as T;
  if (items.length === 0) throw new NotFoundError(resourceClass, filter);
  throw new NoUniqueMatchError(resourceClass, filter, items.map(uriOf));
}

/** Case-insensitive hex comparison ignoring leading zeros (device numbers, WWPNs, LUNs). */
export function sameHex(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const norm = (v: string): string =>
    v
      .trim()
      .toLowerCase()
      .replace(/^0x/, '')
      .replace(/^0+(?=.)/, '');
  return norm(a) === norm(b);
}
