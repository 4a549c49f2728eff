import { ApiException } from '@kubernetes/client-node';

/**
 * One short line for a transient API error (a log field), instead of the serialized error: a
 * client-node ApiException carries the whole response (body, headers) in its message and a stack.
 */
export function errorSummary(err: unknown): string {
  if (err instanceof ApiException) {
    const body = err.body as unknown;
    let reason = '';
    try {
      const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as
        { message?: unknown } | undefined;
      if (typeof parsed?.message === 'string') reason = parsed.message;
    } catch {
      reason = typeof body === 'string' ? body : '';
    }
    return `HTTP ${err.code}${reason ? `: ${reason}` : ''}`.slice(0, 300);
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return `${typeof code === 'string' ? `${code}: ` : ''}${err.message}`.split('\n')[0]!.slice(0, 300);
  }
  return String(err).slice(0, 300);
}
