// A generated HMC definition (zhmcclient's mock format, as src/hmc-simulator/seed/default-z16.yaml) with as
// many CPCs as N partitions need: a CPC holds at most 85 partitions, as a real HMC managing a data centre's
// CPCs. Each CPC has two FCP adapters, one OSA with two ports (two virtual switches), and the storage
// management feature off (HBAs are created directly).

export const PARTITIONS_PER_CPC = 85;

export interface BenchCpc {
  readonly name: string;
  readonly objectId: string;
  readonly fcp: readonly [string, string];
  readonly vswitch: readonly [string, string];
}

const id = (cpc: number, tail: string): string =>
  `be0c0000-${cpc.toString(16).padStart(4, '0')}-4000-8000-${tail.padStart(12, '0')}`;

export function benchCpcs(count: number): BenchCpc[] {
  return Array.from({ length: count }, (_, k) => ({
    name: `BENCH${String(k).padStart(3, '0')}`,
    objectId: id(k, '1'),
    fcp: [id(k, 'f1'), id(k, 'f2')],
    vswitch: [id(k, 'b1'), id(k, 'b2')],
  }));
}

const fcpAdapter = (objectId: string, n: number) => ({
  properties: {
    'object-id': objectId,
    name: `FCP-0${n}`,
    'adapter-id': String(120 + n),
    'adapter-family': 'ficon',
    type: 'fcp',
    'detected-card-type': 'ficon-express-32s',
    status: 'active',
    state: 'online',
    'physical-channel-status': 'operating',
    'port-count': 1,
  },
  ports: [{ properties: { 'element-id': '0', name: 'Port 0', index: 0 } }],
});

export function benchSeed(cpcs: readonly BenchCpc[], userid: string, password: string): object {
  return {
    hmc_definition: {
      host: '127.0.0.1',
      api_version: '4.10',
      consoles: [
        {
          properties: {
            'object-uri': '/api/console',
            'object-id': 'hmcbench',
            name: 'HMCBENCH',
            version: '2.16.0',
          },
          users: [
            {
              properties: {
                'object-id': userid,
                name: userid,
                type: 'standard',
                password,
                'password-expires': -1,
                'max-web-services-api-sessions': 100,
              },
            },
          ],
        },
      ],
      cpcs: cpcs.map((c, k) => ({
        properties: {
          'object-id': c.objectId,
          name: c.name,
          description: 'Generated for npm run bench',
          'dpm-enabled': true,
          'iml-mode': 'dpm',
          status: 'active',
          'has-unacceptable-status': false,
          'se-version': '2.16.0',
          'machine-type': '3931',
          'machine-model': 'A01',
          'machine-serial': `0000B${k.toString(16).padStart(7, '0')}`,
          'processor-count-ifl': 200,
          'processor-count-general-purpose': 8,
          'storage-customer': 4194304,
          'storage-customer-available': 4194304,
          'maximum-partitions': PARTITIONS_PER_CPC,
          'is-ensemble-member': false,
          'available-features-list': [
            { name: 'dpm-storage-management', state: false },
            { name: 'dpm-fcp-tape-management', state: false },
          ],
        },
        adapters: [
          fcpAdapter(c.fcp[0], 1),
          fcpAdapter(c.fcp[1], 2),
          {
            properties: {
              'object-id': id(k, 'a1'),
              name: 'OSA-01',
              'adapter-id': '140',
              'adapter-family': 'osa',
              type: 'osd',
              'detected-card-type': 'osa-express-7s-25gb',
              status: 'active',
              state: 'online',
              'physical-channel-status': 'operating',
              'port-count': 2,
            },
            ports: [0, 1].map((i) => ({
              properties: { 'element-id': String(i), name: `Port ${i}`, index: i },
            })),
          },
        ],
        virtual_switches: c.vswitch.map((vs, port) => ({
          properties: {
            'object-id': vs,
            name: `OSA-01-P${port}`,
            type: 'osd',
            'backing-adapter-uri': `/api/adapters/${id(k, 'a1')}`,
            port,
          },
        })),
        partitions: [],
      })),
    },
  };
}
