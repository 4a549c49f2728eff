// Attach Storage Group to Partition / Detach Storage Group from Partition, and the partition's
// list of attached groups. Attach creates the partition's virtual storage resources (one per
// adapter path, each with a virtual WWPN to zone and a device number); detach removes them.
import { badRequest, conflict, notFound } from '../errors.js';
import { updateProps } from '../events.js';
import { getPartition, requireNotTransitioning } from '../partition-model.js';
import { attachedPartitions, createVsrs, removeVsrs, requireStorageManagement } from '../storage-model.js';
import { bodyObject, requireFields } from '../validation.js';
import { noContent, type RouteDef, type SimContext, type SimRequest } from '../context.js';
import type { Resource } from '../store.js';

function target(sim: SimContext, req: SimRequest): { partition: Resource; sg: Resource } {
  const partition = getPartition(sim, req.params[0] ?? '');
  requireStorageManagement(sim.store.get(partition.parent), 'Storage group attachment');
  const body = bodyObject(req.body);
  requireFields(body, ['storage-group-uri']);
  const sgUri = body['storage-group-uri'];
  if (typeof sgUri !== 'string') throw badRequest(7, "The field 'storage-group-uri' must be a string");
  const sg = sim.store.get(sgUri);
  if (!sg || sg.cls !== 'storage-group') throw notFound(sgUri);
  return { partition, sg };
}

const groups = (p: Resource): string[] => [
  ...((p.props['storage-group-uris'] as string[] | undefined) ?? []),
];

export const partitionStorageRoutes: RouteDef[] = [
  {
    method: 'POST',
    template: '/api/partitions/{id}/operations/attach-storage-group',
    handle: (sim, req) => {
      const { partition, sg } = target(sim, req);
      requireNotTransitioning(partition, 'attach storage group');
      const name = String(sg.props['name']);
      if (sg.props['cpc-uri'] !== partition.parent) {
        throw conflict(1, `Storage group ${name} belongs to another CPC`);
      }
      if (groups(partition).includes(sg.uri)) throw conflict(1, `Storage group ${name} is already attached`);
      const others = attachedPartitions(sim, sg);
      if (others.length > 0 && sg.props['shared'] !== true) {
        throw conflict(1, `Storage group ${name} is not shared and already attached to a partition`);
      }
      if (others.length >= Number(sg.props['max-partitions'] ?? 1)) {
        throw conflict(1, `Storage group ${name} is already attached to its maximum number of partitions`);
      }
      createVsrs(sim, sg, partition);
      updateProps(sim, partition, { 'storage-group-uris': [...groups(partition), sg.uri] });
      return noContent();
    },
  },
  {
    method: 'POST',
    template: '/api/partitions/{id}/operations/detach-storage-group',
    handle: (sim, req) => {
      const { partition, sg } = target(sim, req);
      requireNotTransitioning(partition, 'detach storage group');
      if (!groups(partition).includes(sg.uri)) {
        throw conflict(1, `Storage group ${String(sg.props['name'])} is not attached to the partition`);
      }
      const boot = partition.props['boot-storage-volume'];
      if (
        partition.props['status'] !== 'stopped' &&
        typeof boot === 'string' &&
        boot.startsWith(`${sg.uri}/`)
      ) {
        throw conflict(1, 'The storage group holds the boot volume of the partition, which is not stopped');
      }
      removeVsrs(sim, sg, partition.uri);
      updateProps(sim, partition, { 'storage-group-uris': groups(partition).filter((u) => u !== sg.uri) });
      return noContent();
    },
  },
];
