// The last lines the partition's operating system wrote to its console (HMC "Operating System
// Messages"), for the Event and condition message of a failed or stuck start, so `kubectl describe`
// shows the guest's own error (a kernel panic, a missing root device) next to the HMC's.
import type { OsMessageInfo, OsMessageQuery } from '../../hmc/os-messages.js';

export interface ConsoleTailLimits {
  /** Console lines kept (the newest). */
  readonly lines: number;
  /** Characters per line at most. */
  readonly lineChars: number;
  /** Characters of the whole tail at most. */
  readonly totalChars: number;
}

/** Events are cut at 1024 characters by most tooling: the tail leaves room for the HMC's message. */
export const CONSOLE_TAIL_LIMITS: ConsoleTailLimits = { lines: 5, lineChars: 160, totalChars: 600 };

export type ConsoleTail =
  | { readonly kind: 'tail'; readonly text: string }
  | { readonly kind: 'empty' }
  | { readonly kind: 'unavailable'; readonly why: string };

/** The newest console lines, one line each, joined by ` | `, within the limits. Pure. */
export function formatConsoleTail(
  messages: readonly OsMessageInfo[],
  limits: ConsoleTailLimits = CONSOLE_TAIL_LIMITS,
): string {
  const lines = [...messages]
    .sort((a, b) => a['sequence-number'] - b['sequence-number'])
    .flatMap((m) => m['message-text'].split('\n'))
    // Control characters (ANSI colours, carriage returns) would garble `kubectl describe`.
    .map((l) => l.replace(/[\u0000-\u001f\u007f]/g, ' ').trim())
    .filter((l) => l !== '')
    .slice(-limits.lines)
    .map((l) => (l.length > limits.lineChars ? `${l.slice(0, limits.lineChars - 1)}…` : l));
  while (lines.length > 1 && lines.join(' | ').length > limits.totalChars) lines.shift();
  const text = lines.join(' | ');
  return text.length > limits.totalChars ? `${text.slice(0, limits.totalChars - 1)}…` : text;
}

/** What List OS Messages needs (HmcClient.osMessages). */
export interface OsMessageSource {
  list(partitionUri: string, q?: OsMessageQuery): Promise<OsMessageInfo[]>;
}

/**
 * One List OS Messages request, formatted. Never throws: the tail only adds to a message about a
 * failure that is reported anyway.
 */
export async function fetchConsoleTail(
  source: OsMessageSource,
  partitionUri: string,
  limits: ConsoleTailLimits = CONSOLE_TAIL_LIMITS,
): Promise<ConsoleTail> {
  try {
    const text = formatConsoleTail(await source.list(partitionUri), limits);
    return text === '' ? { kind: 'empty' } : { kind: 'tail', text };
  } catch (e) {
    return { kind: 'unavailable', why: e instanceof Error ? e.message : String(e) };
  }
}

/** `message` with the console tail appended (unchanged when there is none). */
export function withConsoleTail(message: string, tail: ConsoleTail): string {
  return tail.kind === 'tail' ? `${message}; last OS messages: ${tail.text}` : message;
}
