/**
 * Who deletes archives, and the deleting: after a good archive is in place, retention by the rule of
 * retention.ts with what the evidence index knows of each archive (ones it has not read yet are kept; without
 * the index nothing goes). A bucket with Object Lock is never pruned by the exporter; a bucket without it only
 * by the primary replica.
 */
import type { Logger } from 'pino'
import type { EvidenceCatalog } from './catalog.js'
import { retentionPlan, type RetainedArchive } from './retention.js'
import type { SnapshotCluster } from './snapshot-gauges.js'
import { vaultSpec, type Vault, type VaultSpec } from './store.js'
import { openVault } from './vaults.js'
import { setTimer, type CancelTimer, type Clock } from '../util/timer.js'

/** Say once per bucket (in `announced`) who deletes its objects: the bucket (Object Lock), this replica, or the primary. */
export function announceStore (log: Logger, announced: Set<string>, spec: VaultSpec, pruneBuckets: boolean): void {
  if (spec.kind !== 's3' || announced.has(spec.id)) return
  announced.add(spec.id)
  const lock = spec.s3.object_lock
  if (lock !== undefined) log.info({ bucket: spec.id, mode: lock.mode, retainDays: lock.retain / 86_400_000 }, 'snapshots are written with S3 Object Lock: the bucket keeps them and deletes them, never the exporter')
  else if (!pruneBuckets) log.info({ bucket: spec.id }, 'retention of this bucket is left to the primary replica (the one holding shard 0, or --evidence.primary)')
  else log.info({ bucket: spec.id }, 'this replica applies retention (keep_for, keep) to this bucket')
}

/** Apply retention to a cluster's vault (see the file comment); failures are logged, archives kept. */
export async function retain (opts: { log: Logger, catalog: EvidenceCatalog | undefined, pruneBuckets: boolean }, cluster: SnapshotCluster, nowMs: number): Promise<void> {
  const { keep_for: keepForMs, keep } = cluster.snapshot
  const vault: Vault = openVault(vaultSpec(cluster.snapshot))
  const { catalog, log } = opts
  if (catalog === undefined || vault.locked || (vault.spec.kind === 's3' && !opts.pruneBuckets)) return
  try {
    const [indexed, listing] = await Promise.all([catalog.retention(vault.spec, cluster.name), vault.list(cluster.name)])
    const known = new Map(indexed.map(a => [a.name, a]))
    const archives: RetainedArchive[] = listing.archives.map(f => known.get(f.name) ?? { name: f.name, takenMs: f.takenMs, state: 'pending', lastWonDay: undefined, dataEndMs: undefined })
    const plan = retentionPlan(archives, { keepForMs, keep }, nowMs)
    if ('paused' in plan) {
      log.warn({ cluster: cluster.name, why: plan.paused }, 'retention of audit snapshots paused; every archive kept')
      return
    }
    const removed = await vault.remove(cluster.name, plan.remove)
    if (removed.length === 0) return
    log.info({ cluster: cluster.name, removed, cutoff: new Date(plan.cutoffMs).toISOString() }, 'audit snapshots past keep_for removed')
    await catalog.changed(vault.spec, cluster.name, nowMs)
  } catch (err) {
    log.warn({ cluster: cluster.name, err: String(err) }, 'retention of audit snapshots failed; archives kept')
  }
}

/** How often the primary applies retention to the clusters other shards archive into a bucket. */
export const FLEET_RETENTION_MS = 6 * 3_600_000

/**
 * Retention of the other shards' clusters in buckets, by the primary (the only replica that prunes a bucket):
 * each shard's own clusters are pruned after their downloads, these every {@link FLEET_RETENTION_MS}, with the
 * same rule and the index's knowledge of their archives.
 */
export class FleetRetention {
  readonly #opts: { log: Logger, catalog: EvidenceCatalog | undefined, pruneBuckets: boolean, clock: Clock }
  #others: SnapshotCluster[] = []
  #timer: CancelTimer | undefined
  #running: Promise<void> | undefined

  constructor (opts: { log: Logger, catalog: EvidenceCatalog | undefined, pruneBuckets: boolean, clock: Clock }) {
    this.#opts = opts
  }

  /** The clusters of the fleet that keep snapshots in a bucket and that this replica does not archive. */
  set (others: SnapshotCluster[]): void {
    this.#others = others.filter(c => c.snapshot.store.type === 's3')
  }

  start (): void {
    if (!this.#opts.pruneBuckets || this.#opts.catalog === undefined) return
    const tick = (): void => {
      this.#running = (async () => { for (const c of this.#others) await retain(this.#opts, c, this.#opts.clock.now()) })()
      this.#timer = setTimer(tick, this.#opts.clock.now() + FLEET_RETENTION_MS, this.#opts.clock)
    }
    this.#timer = setTimer(tick, this.#opts.clock.now() + FLEET_RETENTION_MS / 6, this.#opts.clock)
  }

  async stop (): Promise<void> {
    this.#timer?.()
    this.#timer = undefined
    await this.#running
  }
}
