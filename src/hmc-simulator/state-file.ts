// Saving and restoring the simulator state (resources) as JSON.
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Store, StoreSnapshot } from './store.js';

interface StateFile {
  version: 1;
  savedAt: string;
  store: StoreSnapshot;
}

/** Transitional statuses settle on restore: no job survives a restart. */
const SETTLE: Record<string, string> = { starting: 'active', stopping: 'stopped' };

export async function saveState(store: Store, path: string): Promise<void> {
  const data: StateFile = { version: 1, savedAt: new Date().toISOString(), store: store.snapshot() };
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(data));
  await rename(tmp, path);
}

export async function loadState(store: Store, path: string): Promise<void> {
  const data = JSON.parse(await readFile(path, 'utf8')) as StateFile;
  if (data.version !== 1 || !Array.isArray(data.store?.resources))
    throw new Error(`${path}: not a simulator state file`);
  for (const r of data.store.resources) {
    const s = r.props['status'];
    if (typeof s === 'string' && SETTLE[s]) r.props['status'] = SETTLE[s];
  }
  store.restore(data.store);
}
