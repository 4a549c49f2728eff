// Act for a CpcSubset: the subset makes no HMC changes; its actions are releasing the connection of a deleted
// subset and handing drifted partitions (lost notifications) to the Partition controller.
import type { CpcSubsetDeps, SubsetSnapshot } from './observe.js';

export async function actSubset(d: CpcSubsetDeps, s: SubsetSnapshot): Promise<void> {
  if (s.kind === 'gone') {
    await d.disconnect(s.key);
    return;
  }
  if (s.kind === 'subset' && s.hmc.kind === 'checked' && s.hmc.drifted.length) {
    d.log.info(
      { cpcsubset: s.key, drifted: s.hmc.drifted.length },
      'HMC state drifted from the notification-fed cache; resyncing those partitions',
    );
    d.onDrift(s.hmc.drifted);
  }
}
