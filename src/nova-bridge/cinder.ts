// Cinder as nova-compute uses it for a boot volume: the new attachment flow (microversion 3.44):
// attachment_update with this host's Fibre Channel connector returns the connection info, then
// os-complete; on terminate the attachment is deleted (with nova's service token).
import { OpenStackHttp, type ServiceEndpoint } from './openstack-http.js';

export const CINDER_MICROVERSION = 'volume 3.44';

/** os-brick's connector for a DPM partition: its FCP WWPNs (HBAs, or a storage group's VSRs). */
export interface FcConnector {
  wwpns: string[];
  host: string;
  platform: 's390x';
  os_type: 'linux';
  multipath: boolean;
  do_local_attach: false;
  initiator?: undefined;
}

export function fcConnector(wwpns: readonly string[], host: string): FcConnector {
  return {
    wwpns: wwpns.map((w) => w.replace(/^0x/i, '').toLowerCase()),
    host,
    platform: 's390x',
    os_type: 'linux',
    multipath: false,
    do_local_attach: false,
  };
}

export interface ConnectionInfo {
  driver_volume_type: string;
  data: Record<string, unknown>;
}

export class CinderClient {
  /** `ep.url` is the v3 root without project (`http://cinder:8776/v3`); the project comes per call. */
  constructor(private readonly ep: ServiceEndpoint) {}

  private http(projectId: string): OpenStackHttp {
    return new OpenStackHttp({
      ...this.ep,
      url: `${this.ep.url.replace(/\/$/, '')}/${projectId}`,
      headers: { 'OpenStack-API-Version': CINDER_MICROVERSION, ...this.ep.headers },
    });
  }

  /** attachment_update: the volume exported to `connector`; returns the connection info. */
  async attach(projectId: string, attachmentId: string, connector: FcConnector): Promise<ConnectionInfo> {
    const r = await this.http(projectId).request<{ attachment: { connection_info: ConnectionInfo } }>(
      'PUT',
      `/attachments/${attachmentId}`,
      { attachment: { connector } },
    );
    return r.json.attachment.connection_info;
  }

  async complete(projectId: string, attachmentId: string): Promise<void> {
    await this.http(projectId).request('POST', `/attachments/${attachmentId}/action`, {
      'os-complete': null,
    });
  }

  /** Deletes an attachment (already gone is fine). */
  async detach(projectId: string, attachmentId: string): Promise<void> {
    await this.http(projectId).requestOrAbsent('DELETE', `/attachments/${attachmentId}`);
  }
}
