/** Helpers for HMC URIs: query strings with repeated filters, route templates for metrics. */

/** A server-side list filter: each value is a regex matched against the whole property; arrays mean OR. */
export type QueryFilter = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Escape a literal string for use as an HMC filter regex (which must match the whole value). */
export function regexLiteral(value: string): string {
  return value.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** `uri` plus `?k=v&k=v2` built from a filter (repeated parameters for arrays) and extra params. */
export function withQuery(uri: string, filter: QueryFilter = {}): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    const values = typeof value === 'string' ? [value] : value;
    for (const v of values) parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(v)}`);
  }
  if (parts.length === 0) return uri;
  return `${uri}${uri.includes('?') ? '&' : '?'}${parts.join('&')}`;
}

/** `?properties=a,b` for a GET of selected properties. */
export function withProperties(uri: string, properties?: readonly string[]): string {
  if (!properties || properties.length === 0) return uri;
  return withQuery(uri, { properties: properties.join(',') });
}

/** Collections whose next path segment is an object or element id. */
const COLLECTIONS = new Set([
  'cpcs',
  'partitions',
  'nics',
  'hbas',
  'adapters',
  'storage-ports',
  'network-ports',
  'virtual-switches',
  'virtual-functions',
  'jobs',
  'sessions',
  'storage-groups',
  'storage-volumes',
  'virtual-storage-resources',
  'console',
]);
const LITERALS = new Set(['operations', 'this-session']);

/**
 * The route template of a request URI, e.g. `/api/partitions/{id}/nics/{id}` for
 * `/api/partitions/5f.../nics/9a...?properties=x`. Used as a bounded metrics label.
 */
export function routeTemplate(uri: string): string {
  const path = uri.split('?')[0] ?? uri;
  const segments = path.split('/');
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] ?? '';
    const prev = i > 0 ? (segments[i - 1] ?? '') : '';
    out.push(COLLECTIONS.has(prev) && !LITERALS.has(seg) && seg !== '' ? '{id}' : seg);
  }
  return out.join('/');
}

/** The last path segment of a URI (the object-id or element-id). */
export function lastSegment(uri: string): string {
  const path = uri.split('?')[0] ?? uri;
  return path.slice(path.lastIndexOf('/') + 1);
}
