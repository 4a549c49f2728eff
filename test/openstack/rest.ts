// A small REST client for the tests' calls to nova-api, placement, neutron and cinder, with the
// no-keystone token of tools/openstack: what python-openstackclient cannot do without keystone
// (`flavor create`, `server list` want an identity v3 service), waits on states the CLI has no --wait
// for, and the checks of each service's state.

import { waitFor } from '../harness/operator.js';

export class RestClient {
  constructor(
    private readonly base: string,
    private readonly token: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        'X-Auth-Token': this.token,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...this.headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${this.base}${path}: HTTP ${res.status}: ${text.slice(0, 500)}`);
    return { status: res.status, json: (text ? JSON.parse(text) : null) as T };
  }

  async get<T>(path: string): Promise<T> {
    return (await this.request<T>('GET', path)).json;
  }
  async getOrAbsent<T>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (e) {
      if (String(e).includes('HTTP 404')) return undefined;
      throw e;
    }
  }
  async post<T>(path: string, body: unknown): Promise<T> {
    return (await this.request<T>('POST', path, body)).json;
  }
  async put<T>(path: string, body: unknown): Promise<T> {
    return (await this.request<T>('PUT', path, body)).json;
  }
  async delete(path: string): Promise<void> {
    await this.request('DELETE', path);
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(s: string): number {
  let c = 0xffffffff;
  for (const b of Buffer.from(s)) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The LUN the test FC driver gives a volume (dpm_openstack.cinder_fc.lun_of). */
export function lunOf(volumeId: string): number {
  return (crc32(volumeId) % 4095) + 1;
}

/** A bootable 1 GiB cinder volume (the test FC driver writes nothing: marked bootable); its id. */
export async function bootableVolume(
  cinder: RestClient,
  os: { log(service: string): string },
  name: string,
): Promise<string> {
  const vol = (await cinder.post<{ volume: { id: string } }>('/volumes', { volume: { size: 1, name } }))
    .volume;
  await waitFor('volume available', async () => {
    const v = (await cinder.get<{ volume: { status: string } }>(`/volumes/${vol.id}`)).volume;
    if (v.status === 'error') throw new Error(`volume error\n${os.log('cinder-volume')}`);
    return v.status === 'available';
  });
  await cinder.post(`/volumes/${vol.id}/action`, { 'os-set_bootable': { bootable: true } });
  return vol.id;
}
