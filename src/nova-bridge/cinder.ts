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
    const r = await this.http.request<{ attachment: { connection_info: Record<string, unknown> } }>(
      'PUT',
      `/attachments/${attachmentId}`,
      { attachment: { connector } },
    );
    return nestConnectionInfo(r.json.attachment.connection_info);
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

/**
 * Cinder's attachment API returns the driver's connection info flattened (the `data` keys beside
 * `driver_volume_type`); nova (nova.volume.cinder._translate_attachment_ref) nests it again as
 * `{driver_volume_type, data}`, the form a BlockDeviceMapping's connection_info has.
 */
export function nestConnectionInfo(flat: Record<string, unknown>): ConnectionInfo {
  if (flat.data && typeof flat.data === 'object')
    return {
      driver_volume_type: String(flat.driver_volume_type),
      data: flat.data as Record<string, unknown>,
    };
  const { driver_volume_type, attachment_id: _attachment, ...data } = flat;
  return { driver_volume_type: String(driver_volume_type), data };
}
