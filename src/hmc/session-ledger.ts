/**
 * Where a session's HMC session ids are written down, so that a successor process (after a crash, a
 * `kill -9`, a pod killed at the end of its grace period) can log off what its predecessor left logged
 * on: the HMC caps sessions per user and keeps idle ones for hours. The HMC client only calls it; the
 * operator stores it in a Secret of its own (src/runtime/session-ledger.ts).
 */
export interface RecordedSession {
  readonly baseUrl: string;
  readonly sessionId: string;
}

export interface SessionLedger {
  /** Sessions recorded for this connection that may still be logged on (the current one included). */
  recorded(): Promise<readonly RecordedSession[]>;
  /** Called right after a logon, before the session is used. */
  record(session: RecordedSession): Promise<void>;
  /** Called once the session is logged off or known to be gone. */
  release(sessionId: string): Promise<void>;
}
