/**
 * The per-cluster series of the snapshot archive, kept in the store: enabled, failures by reason (every reason
 * from 0), and, from the vault as it is after every attempt, the newest archive's time and size, the number of
 * archives and (with a bucket) the spooled snapshots. Times come from archive names, never mtimes.
 */
import type { Logger } from 'pino'
import type { Store } from '../polling/store.js'
import { POLL_ERROR_REASONS } from '../sources/errors.js'
import type { IbmCluster, SnapshotConfig } from '../sources/ibm/schema.js'
import type { ClusterSummary } from './listing.js'
import { FUTURE_TOLERANCE_MS } from './retention.js'
import { Spool } from './spool.js'
import { STORE_REASONS, vaultSpec, type VaultSpec } from './store.js'
import { openVault } from './vaults.js'

/** An IBM cluster that archives its snapshots. */
export type SnapshotCluster = IbmCluster & { snapshot: SnapshotConfig }

/** Why a snapshot download fails: a poll error reason, or `io` when the archive cannot be written. */
export const SNAPSHOT_FAILURE_REASONS = [...POLL_ERROR_REASONS, 'io'] as const
/**
 * Why storing a snapshot in a bucket fails (the snapshot is spooled): a store reason; `spool_full` when
 * the spool's bound of snapshots of the cluster wait already (no download then).
 */
export const BUCKET_FAILURE_REASONS = [...STORE_REASONS, 'spool_full'] as const

/** See the file comment. */
export class SnapshotGauges {
  readonly #store: Store
  readonly #log: Logger
  readonly #now: () => number
  readonly #failures = new Map<string, number>()

  constructor (store: Store, log: Logger, now: () => number) {
    this.#store = store
    this.#log = log
    this.#now = now
  }

  /** A cluster that starts archiving: enabled, and a counter at 0 for every reason, so increase() sees the first failure. */
  enabled (cluster: SnapshotCluster): void {
    const bucket = cluster.snapshot.store.type === 's3'
    this.#store.setExtra(cluster.name, 'license_snapshot_enabled', 1)
    for (const reason of [...SNAPSHOT_FAILURE_REASONS, ...(bucket ? BUCKET_FAILURE_REASONS : [])]) this.#store.setExtra(cluster.name, 'license_snapshot_failures_total', this.#failures.get(`${cluster.name}\0${reason}`) ?? 0, { reason })
    if (bucket) this.#store.setExtra(cluster.name, 'license_snapshot_spooled', 0)
  }

  /** Count a failed download by reason. */
  failed (name: string, reason: string): void {
    const key = `${name}\0${reason}`
    const n = (this.#failures.get(key) ?? 0) + 1
    this.#failures.set(key, n)
    this.#store.setExtra(name, 'license_snapshot_failures_total', n, { reason })
  }

  /** When the last download ended. */
  attempted (name: string, atMs: number): void {
    this.#store.setExtra(name, 'license_snapshot_last_attempt_timestamp_seconds', atMs / 1000)
  }

  /**
   * Publish a cluster's gauges from the vault as it is: the newest archive by the time in its name (one dated
   * after the clock is not "newest"), its size, the number of archives. Undefined when unreadable.
   */
  async fromVault (cluster: SnapshotCluster): Promise<ClusterSummary | undefined> {
    const name = cluster.name
    const vault = openVault(vaultSpec(cluster.snapshot))
    let summary: ClusterSummary
    try {
      summary = await vault.summary(name, this.#now() + FUTURE_TOLERANCE_MS)
    } catch (err) {
      this.#log.warn({ cluster: name, err: err instanceof Error ? err.message : String(err) }, vault.spec.kind === 's3' ? 'cannot list the snapshots in the bucket' : 'cannot read the snapshot folder')
      return undefined
    }
    if (summary.future.length > 0) this.#log.warn({ cluster: name, files: summary.future }, 'archives dated after the clock are not counted as newest (clock went back, or misnamed files)')
    this.#store.setExtra(name, 'license_snapshot_archives', summary.count)
    this.#store.setExtra(name, 'license_snapshot_last_success_timestamp_seconds', summary.newest === undefined ? undefined : summary.newest.takenMs / 1000)
    this.#store.setExtra(name, 'license_snapshot_size_bytes', summary.newest?.size)
    return summary
  }

  /** Publish how many snapshots of a cluster wait in the spool (`known`, or counted). */
  async spooled (name: string, spec: VaultSpec, known?: number): Promise<void> {
    if (spec.kind !== 's3') return
    this.#store.setExtra(name, 'license_snapshot_spooled', known ?? await new Spool(spec.directory).count(name))
  }
}
