// Resolves `NAMESPACE/PARTITION` for `dpm-operator console` through the USER's kubeconfig:
// Partition -> CpcSubset -> HMC endpoint -> credentials Secret (read with the user's own rights, so
// only a user who may read that Secret gets a console). Every failure is a ConsoleError whose
// message says what is missing and what to do.
import * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import { HmcConnections, CredentialsError } from '../controllers/connections.js';
import { API_GROUP, API_VERSION, PLURAL, type CpcSubset, type Partition } from '../crds/index.js';
import type { HmcSessionOptions } from '../hmc/session.js';

export type ConsoleErrorKind =
  'bad-target' | 'not-found' | 'forbidden' | 'not-on-hmc' | 'not-started' | 'hmc-unreachable' | 'credentials';

export class ConsoleError extends Error {
  override readonly name = 'ConsoleError';
  constructor(
    readonly kind: ConsoleErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface ConsoleTarget {
  readonly namespace: string;
  readonly name: string;
  readonly partitionUri: string;
  /** The partition's name on the HMC. */
  readonly hmcName: string;
  readonly subsetName: string;
  readonly session: Pick<
    HmcSessionOptions,
    'hosts' | 'userid' | 'password' | 'ca' | 'insecureSkipTLSVerify' | 'name'
  >;
}

/** `ns/name`, or `name` with the namespace from `-n` or the kubeconfig context. */
export function parseTarget(
  target: string,
  namespace: string | undefined,
  kc: k8s.KubeConfig,
): [string, string] {
  const parts = target.split('/');
  const dns = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
  if (parts.length === 2 && parts.every((p) => dns.test(p))) {
    if (namespace !== undefined && namespace !== parts[0]) {
      throw new ConsoleError('bad-target', `namespace ${namespace} (-n) and ${target} disagree`);
    }
    return [parts[0]!, parts[1]!];
  }
  if (parts.length === 1 && dns.test(target)) {
    const ns = namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
    return [ns, target];
  }
  throw new ConsoleError('bad-target', `"${target}" is not NAMESPACE/PARTITION or PARTITION`);
}

async function read<T>(what: string, ns: string, name: string, get: () => Promise<T>): Promise<T> {
  try {
    return await get();
  } catch (e) {
    if (e instanceof k8s.ApiException && e.code === 404) {
      throw new ConsoleError('not-found', `${what} ${ns}/${name} not found`);
    }
    if (e instanceof k8s.ApiException && (e.code === 403 || e.code === 401)) {
      throw new ConsoleError(
        'forbidden',
        `no permission to read ${what} ${ns}/${name} (${e.code}); ` +
          (what === 'Secret'
            ? 'a console needs the HMC credentials, so only users who may read that Secret get one'
            : `ask for "get" on ${what.toLowerCase()}s in namespace ${ns}`),
      );
    }
    throw e;
  }
}

export async function resolveTarget(kc: k8s.KubeConfig, ns: string, name: string): Promise<ConsoleTarget> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const getCr = <T>(plural: string, n: string): Promise<T> =>
    custom.getNamespacedCustomObject({
      group: API_GROUP,
      version: API_VERSION,
      namespace: ns,
      plural,
      name: n,
    }) as Promise<T>;
  const partition = await read('Partition', ns, name, () => getCr<Partition>(PLURAL.Partition, name));
  const partitionUri = partition.status?.partitionUri;
  if (!partitionUri) {
    throw new ConsoleError(
      'not-on-hmc',
      `Partition ${ns}/${name} has no partition on the HMC yet (phase ${partition.status?.phase ?? 'Pending'})`,
    );
  }
  const subsetName = partition.spec.cpcSubsetRef.name;
  const subset = await read('CpcSubset', ns, subsetName, () =>
    getCr<CpcSubset>(PLURAL.CpcSubset, subsetName),
  );
  // The operator's own Secret reader, called with the user's kubeconfig: same keys, same messages.
  const connections = new HmcConnections({
    kubeConfig: kc,
    log: pino({ level: 'silent' }),
    onChange: () => {},
  });
  const secretName = subset.spec.hmc.credentialsSecretRef.name;
  let creds: Awaited<ReturnType<HmcConnections['credentials']>>;
  try {
    creds = await read('Secret', ns, secretName, () => connections.credentials(subset));
  } catch (e) {
    if (e instanceof CredentialsError) {
      throw new ConsoleError(e.message.includes('not found') ? 'not-found' : 'credentials', e.message);
    }
    throw e;
  }
  const hmc = subset.spec.hmc;
  const port = hmc.port ?? 6794;
  const hosts = [hmc.host, hmc.alternateHost]
    .filter((h): h is string => Boolean(h))
    .map((h) => `${h}:${port}`);
  return {
    namespace: ns,
    name,
    partitionUri,
    hmcName: partition.status?.hmcName ?? name,
    subsetName,
    session: {
      hosts,
      userid: creds.userid,
      password: creds.password,
      ...(creds.ca ? { ca: creds.ca } : {}),
      insecureSkipTLSVerify: hmc.insecureSkipTLSVerify ?? false,
      name: hosts[0],
    },
  };
}
