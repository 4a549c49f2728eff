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
  private readonly http: OpenStackHttp;

  /**
   * `ep.url` is the v3 root without a project (`http://cinder:8776/v3`): cinder routes project-less
   * URLs since 2023.1, and project ids need not be uuids then.
   */
  constructor(ep: ServiceEndpoint) {
    this.http = new OpenStackHttp({
      ...ep,
      headers: { 'OpenStack-API-Version': CINDER_MICROVERSION, ...ep.headers },
    });
  }

  /** attachment_update: the volume exported to `connector`; returns the connection info. */
  async attach(attachmentId: string, connector: FcConnector): Promise<ConnectionInfo> {
    const r = await this.http.request<{ attachment: { connection_info: ConnectionInfo } }>(
      'PUT',
      `/attachments/${attachmentId}`,
      { attachment: { connector } },
    );
    return r.json.attachment.connection_info;
  }

  async complete(attachmentId: string): Promise<void> {
    await this.http.request('POST', `/attachments/${attachmentId}/action`, {
      'os-complete': null,
    });
  }

  /** Deletes an attachment (already gone is fine). */
  async detach(attachmentId: string): Promise<void> {
    await this.http.requestOrAbsent('DELETE', `/attachments/${attachmentId}`);
  }
}
