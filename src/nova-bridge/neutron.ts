// Neutron as nova-compute uses it for a build and a delete: create (or take) the instance's port,
// bind it to this host, read what the mechanism driver bound (vif type, vswitch), describe it as
// nova's network_info; unbind or delete it on terminate.
import { OpenStackHttp, type ServiceEndpoint } from './openstack-http.js';

export interface NeutronPort {
  id: string;
  network_id: string;
  mac_address: string;
  device_id: string;
  device_owner: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
  'binding:host_id'?: string;
  'binding:vif_type'?: string;
  'binding:vif_details'?: Record<string, unknown>;
  'binding:vnic_type'?: string;
  tenant_id?: string;
  project_id?: string;
}

interface Network {
  id: string;
  name: string;
  mtu?: number;
  'provider:physical_network'?: string;
  tenant_id?: string;
}

interface Subnet {
  id: string;
  cidr: string;
  ip_version: number;
  gateway_ip: string | null;
  dns_nameservers: string[];
}

/** One VIF of nova's network_info (nova.network.model.VIF as JSON). */
export interface NetworkInfoVif {
  id: string;
  address: string;
  type: string;
  details: Record<string, unknown>;
  devname: string;
  vnic_type: string;
  active: boolean;
  preserve_on_delete: boolean;
  profile: Record<string, unknown>;
  meta: Record<string, unknown>;
  network: Record<string, unknown>;
}

export const DEVICE_OWNER = 'compute:nova';

export class NeutronClient {
  private readonly http: OpenStackHttp;

  constructor(ep: ServiceEndpoint) {
    this.http = new OpenStackHttp(ep);
  }

  async getPort(id: string): Promise<NeutronPort | undefined> {
    return (await this.http.requestOrAbsent<{ port: NeutronPort }>('GET', `/v2.0/ports/${id}`))?.port;
  }

  /** The ports bound to an instance (device_id). */
  async portsOf(instanceUuid: string): Promise<NeutronPort[]> {
    const r = await this.http.request<{ ports: NeutronPort[] }>(
      'GET',
      `/v2.0/ports?device_id=${instanceUuid}`,
    );
    return r.json.ports;
  }

  /** A new port on a network, bound to the host at once (as nova does for a network request). */
  async createPort(
    networkId: string,
    instanceUuid: string,
    host: string,
    projectId: string,
  ): Promise<NeutronPort> {
    const r = await this.http.request<{ port: NeutronPort }>('POST', '/v2.0/ports', {
      port: {
        network_id: networkId,
        project_id: projectId,
        device_id: instanceUuid,
        device_owner: DEVICE_OWNER,
        'binding:host_id': host,
        admin_state_up: true,
      },
    });
    return r.json.port;
  }

  /** Binds an existing (user-created) port to the instance on this host. */
  async bindPort(id: string, instanceUuid: string, host: string): Promise<NeutronPort> {
    const r = await this.http.request<{ port: NeutronPort }>('PUT', `/v2.0/ports/${id}`, {
      port: { device_id: instanceUuid, device_owner: DEVICE_OWNER, 'binding:host_id': host },
    });
    return r.json.port;
  }

  /** Gives a user's port back: no device, no host binding (nova's unbind on delete). */
  async unbindPort(id: string): Promise<void> {
    await this.http.requestOrAbsent('PUT', `/v2.0/ports/${id}`, {
      port: { device_id: '', device_owner: '', 'binding:host_id': null, 'binding:profile': {} },
    });
  }

  async deletePort(id: string): Promise<void> {
    await this.http.requestOrAbsent('DELETE', `/v2.0/ports/${id}`);
  }

  /** nova's network_info entry of a bound port (network, subnets and fixed IPs included). */
  async networkInfo(port: NeutronPort, preserveOnDelete: boolean): Promise<NetworkInfoVif> {
    const net = (await this.http.request<{ network: Network }>('GET', `/v2.0/networks/${port.network_id}`))
      .json.network;
    const subnets = (
      await this.http.request<{ subnets: Subnet[] }>('GET', `/v2.0/subnets?network_id=${port.network_id}`)
    ).json.subnets;
    return networkInfoVif(port, net, subnets, preserveOnDelete);
  }
}

/** The network_info VIF of a port (pure). */
export function networkInfoVif(
  port: NeutronPort,
  net: Network,
  subnets: Subnet[],
  preserveOnDelete: boolean,
): NetworkInfoVif {
  const ipMeta = (v: number, address: string, type: string) => ({ address, type, version: v, meta: {} });
  return {
    id: port.id,
    address: port.mac_address,
    type: port['binding:vif_type'] ?? 'unbound',
    details: port['binding:vif_details'] ?? {},
    devname: `tap${port.id}`.slice(0, 14),
    vnic_type: port['binding:vnic_type'] ?? 'normal',
    active: true,
    preserve_on_delete: preserveOnDelete,
    profile: {},
    meta: {},
    network: {
      id: net.id,
      bridge: null,
      label: net.name,
      subnets: subnets.map((s) => ({
        cidr: s.cidr,
        dns: s.dns_nameservers.map((d) => ipMeta(s.ip_version, d, 'dns')),
        gateway: s.gateway_ip ? ipMeta(s.ip_version, s.gateway_ip, 'gateway') : { meta: {} },
        ips: port.fixed_ips
          .filter((f) => f.subnet_id === s.id)
          .map((f) => ({ ...ipMeta(s.ip_version, f.ip_address, 'fixed'), floating_ips: [] })),
        routes: [],
        version: s.ip_version,
        meta: {},
      })),
      meta: {
        injected: false,
        tenant_id: net.tenant_id ?? port.tenant_id ?? port.project_id,
        mtu: net.mtu ?? null,
        physical_network: net['provider:physical_network'] ?? null,
        tunneled: false,
      },
    },
  };
}
