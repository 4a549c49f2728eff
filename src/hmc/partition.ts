import { isNotFound } from './errors.js';
import { JobManager, type JobWaitOptions } from './jobs.js';
import { expectOne, type Properties } from './resource.js';
import type { HmcSession } from './session.js';
import { regexLiteral, withProperties, withQuery, type QueryFilter } from './uri.js';

export type PartitionStatus =
  | 'stopped'
  | 'starting'
  | 'active'
  | 'stopping'
  | 'degraded'
  | 'reservation-error'
  | 'paused'
  | 'terminated'
  | 'communications-not-active'
  | 'status-check';

/** An entry of `GET /api/cpcs/{id}/partitions`. */
export interface PartitionSummary {
  readonly 'object-uri': string;
  readonly name: string;
  readonly status: PartitionStatus;
  readonly type: string;
}

/** Writable partition properties (create and update). */
export interface PartitionSettings extends Properties {
  name?: string;
  description?: string;
  type?: 'linux' | 'ssc' | 'zvm';
  'short-name'?: string;
  'partition-id'?: string;
  'autogenerate-partition-id'?: boolean;
  'processor-mode'?: 'shared' | 'dedicated';
  'ifl-processors'?: number;
  'cp-processors'?: number;
  'initial-memory'?: number;
  'maximum-memory'?: number;
  'initial-ifl-processing-weight'?: number;
  'reserve-resources'?: boolean;
  'boot-device'?: string;
  'boot-timeout'?: number;
  'boot-storage-device'?: string;
  'boot-world-wide-port-name'?: string;
  'boot-logical-unit-number'?: string;
  'boot-record-lba'?: string;
  'boot-configuration-selector'?: number;
  'boot-os-specific-parameters'?: string;
}

/** `GET /api/partitions/{id}`: settings plus server-set properties. */
export interface PartitionProperties extends PartitionSettings {
  readonly 'object-uri': string;
  readonly 'object-id'?: string;
  readonly parent?: string;
  readonly status?: PartitionStatus;
  readonly 'os-name'?: string;
  readonly 'os-type'?: string;
  readonly 'os-version'?: string;
  readonly 'nic-uris'?: readonly string[];
  readonly 'hba-uris'?: readonly string[];
}

export interface PartitionListFilter {
  /** Regexes matched against the whole value (the HMC's filter semantics); arrays mean OR. */
  readonly name?: string | readonly string[];
  readonly status?: PartitionStatus | readonly PartitionStatus[];
  readonly type?: string | readonly string[];
}

/**
 * Partitions of a DPM CPC. Create, update and delete are synchronous (201/204); start and stop
 * are asynchronous jobs, awaited through JobManager.
 */
export class PartitionManager {
  constructor(
    private readonly session: HmcSession,
    private readonly jobs: JobManager,
  ) {}

  /** `GET /api/cpcs/{id}/partitions` with server-side filters: one request. */
  async list(cpcUri: string, filter: PartitionListFilter = {}): Promise<PartitionSummary[]> {
    const res = await this.session.get<{ partitions: PartitionSummary[] }>(
      withQuery(`${cpcUri}/partitions`, filter as QueryFilter),
    );
    return res.partitions;
  }

  /** `GET /api/partitions/{id}[?properties=...]`: one request; HmcHttpError 404.1 if gone. */
  get(partitionUri: string, properties?: readonly string[]): Promise<PartitionProperties> {
    return this.session.get<PartitionProperties>(withProperties(partitionUri, properties));
  }

  /** The partition with exactly this name on the CPC (one request). NotFoundError if none. */
  async findByName(cpcUri: string, name: string): Promise<PartitionSummary> {
    const list = (await this.list(cpcUri, { name: regexLiteral(name) })).filter((p) => p.name === name);
    return expectOne('partition', { cpc: cpcUri, name }, list, (p) => p['object-uri']);
  }

  /** Like findByName, but undefined when there is none. */
  async tryFindByName(cpcUri: string, name: string): Promise<PartitionSummary | undefined> {
    const list = (await this.list(cpcUri, { name: regexLiteral(name) })).filter((p) => p.name === name);
    return list.length === 0
      ? undefined
      : expectOne('partition', { cpc: cpcUri, name }, list, (p) => p['object-uri']);
  }

  /**
   * `POST /api/cpcs/{id}/partitions` -> the new object-uri. NOT idempotent: never repeated after an
   * ambiguous failure (a lost response may have created it; the caller finds it by name). Errors:
   * 400.8 duplicate name, 400.5 missing field, 400.6 read-only field, 400.7 bad value.
   */
  async create(cpcUri: string, settings: PartitionSettings): Promise<string> {
    const res = await this.session.post<{ 'object-uri': string }>(`${cpcUri}/partitions`, settings);
    return res.body['object-uri'];
  }

  /** `POST /api/partitions/{id}` (204). Idempotent. 409.1 while starting/stopping or for stopped-only fields. */
  async update(partitionUri: string, settings: PartitionSettings): Promise<void> {
    await this.session.post(partitionUri, settings, { idempotent: true });
  }

  /**
   * `DELETE /api/partitions/{id}` (204). Idempotent: an already deleted partition counts as success
   * (so a retry after a lost response is safe). 409.1 unless stopped (or reservation-error).
   */
  async delete(partitionUri: string): Promise<void> {
    await this.session.delete(partitionUri, { idempotent: true, notFoundOk: true });
  }

  /** Whether the partition exists (one GET of its status). */
  async exists(partitionUri: string): Promise<boolean> {
    try {
      await this.get(partitionUri, ['status']);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** `POST .../operations/start` -> job URI, without waiting. 409.1 unless stopped/reservation-error. */
  async startJob(partitionUri: string): Promise<string> {
    return JobManager.jobUriOf(await this.session.post(`${partitionUri}/operations/start`));
  }

  /** `POST .../operations/stop` -> job URI, without waiting. 409.1 when already stopped. */
  async stopJob(partitionUri: string): Promise<string> {
    return JobManager.jobUriOf(await this.session.post(`${partitionUri}/operations/stop`));
  }

  /**
   * Start and wait for the job: resolves when the job completed successfully (the partition is
   * then active, degraded or paused). JobFailedError e.g. 409.131 (the OS failed to load).
   */
  async start(partitionUri: string, opts?: JobWaitOptions): Promise<void> {
    await this.jobs.wait(await this.startJob(partitionUri), opts);
  }

  /** Stop and wait for the job. */
  async stop(partitionUri: string, opts?: JobWaitOptions): Promise<void> {
    await this.jobs.wait(await this.stopJob(partitionUri), opts);
  }
}
