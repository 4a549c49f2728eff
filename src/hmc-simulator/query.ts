// Query-string helpers: server-side list filters and `?properties=` selection.
import { badRequest } from './errors.js';
import type { Props } from './types.js';

/** 400.1 for a query parameter the operation does not accept. */
export function checkQuery(query: URLSearchParams, allowed: readonly string[]): void {
  for (const k of query.keys()) {
    if (!allowed.includes(k))
      throw badRequest(1, `The query parameter '${k}' is not valid for this operation`);
  }
}

export type Matcher = (props: Props) => boolean;

/**
 * Filters as the HMC applies them: each value is a regular expression matched against the
 * whole property value (case-sensitive); a repeated parameter means OR; different ones AND.
 */
export function filterMatcher(query: URLSearchParams, names: readonly string[]): Matcher {
  const tests: { name: string; res: RegExp[] }[] = [];
  for (const name of names) {
    const values = query.getAll(name);
    if (values.length === 0) continue;
    tests.push({
      name,
      res: values.map((v) => {
        try {
          return new RegExp(`^(?:${v})$`);
        } catch {
          throw badRequest(14, `The value of query parameter '${name}' is not a valid regular expression`);
        }
      }),
    });
  }
  return (props) =>
    tests.every(({ name, res }) => {
      const v = props[name];
      const s = typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
      return res.some((re) => re.test(s));
    });
}

/**
 * Applies `?properties=a,b`: exactly the named properties (no URI added: zhmcclient treats an
 * answer with more properties than asked as complete, and the real HMC answers only those).
 */
export function selectProperties(props: Props, query: URLSearchParams): Props {
  const raw = query.get('properties');
  if (raw === null) return props;
  const wanted = new Set(
    raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );
  const out: Props = {};
  for (const k of wanted) if (k in props) out[k] = props[k];
  return out;
}
