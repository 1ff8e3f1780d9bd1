/**
 * Audit snapshot archive (opt-in per IBM cluster): download `/snapshot` on a schedule, keep it in the
 * cluster's vault (a local directory, or a bucket shared by every replica: uploads.ts), have the evidence
 * index read it, apply retention, and export `license_snapshot_last_success_timestamp_seconds`,
 * `license_snapshot_size_bytes`, `license_snapshot_archives` and `license_snapshot_spooled` from the vault
 * after every attempt. Times come from archive names, never mtimes. A failed or corrupt download never removes
 * or replaces a good archive; one the bucket cannot take waits in the spool.
 */
import type { Logger } from 'pino'
import type { Config } from '../config/schema.js'
import { Scheduler, type Slot } from '../polling/scheduler.js'
import type { Store } from '../polling/store.js'
import { POLL_ERROR_REASONS, classifyError } from '../sources/errors.js'
import type { IbmCluster, SnapshotConfig } from '../sources/ibm/schema.js'
import { fetchSnapshot } from '../sources/ibm/snapshot.js'
import { setTimer, type CancelTimer, type Clock } from '../util/timer.js'
import type { EvidenceCatalog } from './catalog.js'
import { FUTURE_TOLERANCE_MS, retentionPlan, type RetainedArchive } from './retention.js'
import type { ClusterSummary } from './listing.js'
import { MAX_SPOOLED, Spool } from './spool.js'
import { STORE_REASONS, StoreError, vaultSpec, type ArchiveMetadata, type Vault, type VaultSpec } from './store.js'
import { bucketSlot, Uploads, type DrainResult } from './uploads.js'
import { archiveName, clusterDir, removeStaleTemps, VaultError } from './vault.js'
import { openVault } from './vaults.js'
import { createHash } from 'node:crypto'

/** Temp files older than this are left by a crash (a live write takes seconds) and are removed. */
const STALE_TEMP_MS = 3_600_000

type SnapshotCluster = IbmCluster & { snapshot: SnapshotConfig }

interface ArchiveState {
  readonly cluster: SnapshotCluster
  running: Promise<unknown> | undefined
}

/** Why a snapshot download fails: a poll error reason, or `io` when the archive cannot be written. */
export const SNAPSHOT_FAILURE_REASONS = [...POLL_ERROR_REASONS, 'io'] as const
/**
 * Why storing a snapshot in a bucket fails (the snapshot is spooled): a {@link StoreReason}; `spool_full` when
 * {@link MAX_SPOOLED} snapshots of the cluster wait already (no download then).
 */
export const BUCKET_FAILURE_REASONS = [...STORE_REASONS, 'spool_full'] as const

/** How often the spool is tried again while it holds snapshots. */
export const SPOOL_RETRY_MS = 60_000

/**
 * Result of one download attempt. `skipped`: another replica stored this slot's snapshot in the bucket
 * already (no download).
 */
export type SnapshotResult = { ok: true, file: string, bytes: number, skipped?: boolean } | { ok: false, reason: string, message: string }

/** Options of {@link SnapshotArchiver}. */
export interface ArchiverOptions {
  store: Store
  log: Logger
  clock?: Clock
  /** The evidence index (reads each new archive; without it, retention removes nothing). */
  catalog?: EvidenceCatalog
  /** Told after every archive written and read. */
  onArchived?: () => void
  /**
   * Whether this replica applies retention to buckets (default true). A bucket is shared: only one replica
   * prunes it (the primary). Local directories are each replica's own and always pruned.
   */
  pruneBuckets?: boolean
  /** The metadata of a snapshot (its cluster id and covered period), stored with its object. */
  describe?: (body: Buffer) => Promise<ArchiveMetadata>
}

/** Schedules snapshot downloads for the IBM clusters that opt in. */
export class SnapshotArchiver {
  readonly #store: Store
  readonly #log: Logger
  readonly #scheduler: Scheduler<ArchiveState>
  #started = false

  readonly #onArchived: () => void
  readonly #catalog: EvidenceCatalog | undefined
  readonly #pruneBuckets: boolean
  readonly #uploads: Uploads
  /** Buckets already announced in the log (Object Lock, or retention left to the primary). */
  readonly #announced = new Set<string>()
  #spoolTimer: CancelTimer | undefined
  #draining: Promise<void> | undefined

  constructor (opts: ArchiverOptions) {
    this.#store = opts.store
    this.#log = opts.log
    this.#scheduler = new Scheduler(opts.clock)
    this.#catalog = opts.catalog
    this.#onArchived = opts.onArchived ?? (() => undefined)
    this.#pruneBuckets = opts.pruneBuckets ?? true
    const describe = opts.describe ?? (async () => ({}))
    this.#uploads = new Uploads({ log: opts.log, describe, maxBytes: 1024 * 1024 * 1024 })
  }

  /** Apply a (new) config: schedule new opt-ins, drop removed ones, keep unchanged ones. */
  apply (config: Config): void {
    const wanted: Array<{ name: string, key: string, cluster: SnapshotCluster }> = []
    for (const c of config.clusters) {
      if (c.type !== 'ibm_license_service' || c.snapshot === undefined) continue
      const cluster = { ...c, snapshot: c.snapshot }
      wanted.push({ name: c.name, key: JSON.stringify(cluster), cluster })
    }
    const byName = new Map(wanted.map(w => [w.name, w.cluster]))
    const { added, retired } = this.#scheduler.reconcile(wanted, name => ({ cluster: byName.get(name) as SnapshotCluster, running: undefined }))
    for (const e of added) {
      this.#store.setExtra(e.name, 'license_snapshot_enabled', 1)
      // Counters start at 0 for every reason, so increase() and rate() see the first failure.
      const bucket = e.state.cluster.snapshot.store.type === 's3'
      for (const reason of [...SNAPSHOT_FAILURE_REASONS, ...(bucket ? BUCKET_FAILURE_REASONS : [])]) this.#store.setExtra(e.name, 'license_snapshot_failures_total', this.#failures.get(`${e.name}\0${reason}`) ?? 0, { reason })
      if (bucket) this.#store.setExtra(e.name, 'license_snapshot_spooled', 0)
      this.#announce(e.state.cluster)
    }
    if (this.#started) for (const e of added) void this.#scheduleFromDisk(e)
    if (this.#started) this.#drainSoon(0)
    // A cluster leaving the config (decommissioned) gets one last snapshot, best effort, under its own deadline.
    for (const e of retired) if (!byName.has(e.name) && this.#started) this.#lastSnapshot(e)
  }

  #lastSnapshot (e: Slot<ArchiveState>): void {
    this.#log.info({ cluster: e.name }, 'cluster removed from the config: taking a last audit snapshot')
    const run = this.#downloadOnce(e.state.cluster).then(r => {
      if (r.ok) this.#log.info({ cluster: e.name, file: r.file }, 'last audit snapshot archived')
    })
    this.#finals.add(run)
    void run.finally(() => this.#finals.delete(run))
  }

  readonly #finals = new Set<Promise<void>>()

  /** Start: each opted-in cluster downloads when its newest archive is older than its interval; the spool is uploaded. */
  start (): void {
    this.#started = true
    for (const e of this.#scheduler.slots()) void this.#scheduleFromDisk(e)
    this.#drainSoon(0)
  }

  /** Stop scheduling and wait for downloads and uploads in flight. */
  async stop (): Promise<void> {
    this.#started = false
    this.#scheduler.cancelAll()
    this.#spoolTimer?.()
    this.#spoolTimer = undefined
    await Promise.allSettled([...this.#scheduler.slots().map(e => e.state.running), ...this.#finals, this.#draining])
  }

  /** Say once per bucket who deletes its objects: the bucket (Object Lock), this replica, or the primary. */
  #announce (cluster: SnapshotCluster): void {
    const spec = vaultSpec(cluster.snapshot)
    if (spec.kind !== 's3' || this.#announced.has(spec.id)) return
    this.#announced.add(spec.id)
    const lock = spec.s3.object_lock
    if (lock !== undefined) this.#log.info({ bucket: spec.id, mode: lock.mode, retainDays: lock.retain / 86_400_000 }, 'snapshots are written with S3 Object Lock: the bucket keeps them and deletes them, never the exporter')
    else if (!this.#pruneBuckets) this.#log.info({ bucket: spec.id }, 'retention of this bucket is left to the primary replica (the one holding shard 0, or --evidence.primary)')
    else this.#log.info({ bucket: spec.id }, 'this replica applies retention (keep_for, keep) to this bucket')
  }

  /** Download now (for tests and the first run). */
  async runNow (name: string): Promise<SnapshotResult> {
    const e = this.#scheduler.get(name)
    if (e === undefined) return { ok: false, reason: 'not_found', message: `no snapshot archive configured for ${name}` }
    return this.#download(e)
  }

  async #scheduleFromDisk (e: Slot<ArchiveState>): Promise<void> {
    const { cluster } = e.state
    let dueAt = this.#scheduler.clock.now()
    const summary = await this.#fromVault(cluster)
    if (summary !== undefined) {
      if (summary.temps.length > 0) {
        const dir = clusterDir(cluster.snapshot.directory, cluster.name)
        const removed = await removeStaleTemps(dir, summary.temps, Date.now(), STALE_TEMP_MS)
        if (removed.length > 0) this.#log.info({ cluster: cluster.name, removed }, 'temp files left by an interrupted write removed')
      }
      if (summary.newest !== undefined) dueAt = summary.newest.takenMs + cluster.snapshot.interval
    }
    this.#schedule(e, dueAt)
  }

  /**
   * Publish a cluster's snapshot gauges from the vault as it is: the newest archive by the time in its name
   * (one dated after the clock is not "newest"), its size, the number of archives. Undefined when unreadable.
   */
  async #fromVault (cluster: SnapshotCluster): Promise<ClusterSummary | undefined> {
    const name = cluster.name
    const vault = openVault(vaultSpec(cluster.snapshot))
    let summary: ClusterSummary
    try {
      summary = await vault.summary(name, this.#scheduler.clock.now() + FUTURE_TOLERANCE_MS)
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

  #schedule (e: Slot<ArchiveState>, atMs: number): void {
    if (!this.#started) return
    this.#scheduler.at(e, atMs, () => {
      void this.#download(e, true).then(r => this.#schedule(e, this.#nextDue(e.state.cluster, r)))
    })
  }

  /**
   * When to download next: an interval after now; in a bucket, an interval after the newest snapshot when that
   * is later (a replica that found the slot stored by another keeps in step with it).
   */
  #nextDue (cluster: SnapshotCluster, r: SnapshotResult): number {
    const later = this.#scheduler.clock.now() + cluster.snapshot.interval
    if (!r.ok || r.skipped !== true) return later
    return Math.max(this.#newestMs.get(cluster.name) ?? 0, this.#scheduler.clock.now()) + cluster.snapshot.interval
  }

  /** The newest archive of each cluster as last listed. */
  readonly #newestMs = new Map<string, number>()

  /** Count a failed download by reason (the counter starts at 0 for every reason seen). */
  #countFailure (name: string, reason: string): void {
    const key = `${name}\0${reason}`
    const n = (this.#failures.get(key) ?? 0) + 1
    this.#failures.set(key, n)
    this.#store.setExtra(name, 'license_snapshot_failures_total', n, { reason })
  }

  readonly #failures = new Map<string, number>()

  #download (e: Slot<ArchiveState>, scheduled = false): Promise<SnapshotResult> {
    const run = this.#downloadOnce(e.state.cluster, scheduled)
    e.state.running = run
    return run
  }

  async #downloadOnce (cluster: SnapshotCluster, scheduled = false): Promise<SnapshotResult> {
    const spec = vaultSpec(cluster.snapshot)
    const vault = openVault(spec)
    const failed = async (reason: string, message: string): Promise<SnapshotResult> => {
      this.#log.warn({ cluster: cluster.name, reason, err: message }, 'audit snapshot download failed; earlier archives kept')
      this.#store.setExtra(cluster.name, 'license_snapshot_last_attempt_timestamp_seconds', this.#scheduler.clock.now() / 1000)
      this.#countFailure(cluster.name, reason)
      await this.#fromVault(cluster)
      return { ok: false, reason, message }
    }
    if (spec.kind === 's3') {
      const spooled = await new Spool(spec.directory).count(cluster.name)
      if (spooled >= MAX_SPOOLED) return failed('spool_full', `${spooled} snapshots wait in the spool for the bucket: no new download until they are uploaded`)
      const stored = scheduled ? await this.#storedBySomeoneElse(cluster) : undefined
      if (stored !== undefined) return stored
    }
    let snapshot
    try {
      snapshot = await fetchSnapshot(cluster, cluster.snapshot)
    } catch (err) {
      const pe = classifyError(err, false)
      return failed(pe.reason, pe.message)
    }
    const at = this.#scheduler.clock.now()
    const takenMs = spec.kind === 's3' ? bucketSlot(at, cluster.snapshot.interval) : at
    const name = spec.kind === 's3' ? archiveName(takenMs, createHash('sha256').update(snapshot.body).digest('hex')) : archiveName(takenMs)
    const where = spec.kind === 's3' ? `bucket ${spec.id}` : clusterDir(spec.directory, cluster.name)
    try {
      const put = spec.kind === 's3' ? await this.#uploads.put(spec, cluster.name, name, snapshot.body) : { stored: await vault.put(cluster.name, name, snapshot.body, {}) }
      if ('spooled' in put) {
        this.#drainSoon(SPOOL_RETRY_MS)
        await this.#publishSpooled(cluster.name, spec)
        return await failed(put.spooled.reason, `${put.spooled.message}; the snapshot is kept in the spool (${new Spool(spec.directory).directory}) and uploaded when the bucket takes it`)
      }
    } catch (err) {
      if (err instanceof StoreError) return failed(err.reason, err.message)
      const why = err instanceof VaultError ? err.message : (err as NodeJS.ErrnoException).code ?? String(err)
      return failed('io', `cannot write the archive in ${where}${spec.kind === 's3' ? ' nor keep it in the spool' : ''}: ${why}`)
    }
    await this.#stored(cluster, spec, name, takenMs, at)
    this.#log.info({ cluster: cluster.name, file: name, where, bytes: snapshot.body.length, entries: snapshot.entries }, 'audit snapshot archived')
    return { ok: true, file: name, bytes: snapshot.body.length }
  }

  /**
   * In a bucket, the snapshot of the current slot may be there already, stored by another replica (of the same
   * clusters, or of a former shard layout): then there is nothing to download.
   */
  async #storedBySomeoneElse (cluster: SnapshotCluster): Promise<SnapshotResult | undefined> {
    const summary = await this.#fromVault(cluster)
    const newest = summary?.newest
    if (newest === undefined || newest.takenMs < bucketSlot(this.#scheduler.clock.now(), cluster.snapshot.interval)) return undefined
    this.#log.debug({ cluster: cluster.name, file: newest.name }, 'this slot\'s snapshot is in the bucket already (another replica): no download')
    return { ok: true, file: newest.name, bytes: newest.size, skipped: true }
  }

  /** After an archive is in its vault: the index reads it, retention runs when it is good, the gauges follow. */
  async #stored (cluster: SnapshotCluster, spec: VaultSpec, name: string, takenMs: number, at: number): Promise<void> {
    const verdict = await this.#catalog?.archived(spec, cluster.name, name, takenMs, at).catch((err: unknown) => {
      this.#log.warn({ cluster: cluster.name, file: name, err: String(err) }, 'the evidence index could not read the new archive now; it will at its next sync')
      return 'io'
    })
    // Retention only after a good new archive is in place and read.
    if (verdict === 'good') await this.#retain(cluster, at)
    else if (verdict !== undefined) this.#log.warn({ cluster: cluster.name, file: name, verdict }, 'the new archive was not read good: retention skipped, every archive kept')
    this.#store.setExtra(cluster.name, 'license_snapshot_last_attempt_timestamp_seconds', at / 1000)
    await this.#fromVault(cluster)
    this.#onArchived()
  }

  /** Publish how many snapshots of a cluster wait in the spool. */
  async #publishSpooled (name: string, spec: VaultSpec, known?: number): Promise<void> {
    if (spec.kind !== 's3') return
    this.#store.setExtra(name, 'license_snapshot_spooled', known ?? await new Spool(spec.directory).count(name))
  }

  /** Upload the spool after `delayMs` (at once for 0), unless a drain is set already. */
  #drainSoon (delayMs: number): void {
    if (!this.#started || this.#spoolTimer !== undefined) return
    this.#spoolTimer = setTimer(() => {
      this.#spoolTimer = undefined
      this.#draining ??= this.#drain().finally(() => { this.#draining = undefined })
    }, this.#scheduler.clock.now() + delayMs, this.#scheduler.clock)
  }

  /** Upload what the spools hold; tried again every {@link SPOOL_RETRY_MS} while anything is left. */
  async #drain (): Promise<void> {
    const clusters = new Map<string, SnapshotCluster>()
    const spools = new Map<string, VaultSpec>()
    for (const e of this.#scheduler.slots()) {
      const spec = vaultSpec(e.state.cluster.snapshot)
      if (spec.kind !== 's3') continue
      clusters.set(e.name, e.state.cluster)
      if (!spools.has(spec.directory)) spools.set(spec.directory, spec)
    }
    if (spools.size === 0) return
    let result: DrainResult
    try {
      result = await this.#uploads.drain(spools, (name, directory) => {
        const c = clusters.get(name)
        return c !== undefined && c.snapshot.directory === directory ? vaultSpec(c.snapshot) : undefined
      })
    } catch (err) {
      this.#log.error({ err: String(err) }, 'uploading the snapshot spool failed')
      this.#drainSoon(SPOOL_RETRY_MS)
      return
    }
    for (const u of result.uploaded) {
      this.#log.info({ cluster: u.cluster, file: u.name, bucket: u.vault.id, outcome: u.outcome }, 'spooled audit snapshot uploaded')
      const c = clusters.get(u.cluster)
      if (c !== undefined) await this.#stored(c, u.vault, u.name, u.takenMs, this.#scheduler.clock.now())
      else await this.#catalog?.changed(u.vault, u.cluster, this.#scheduler.clock.now()).catch(() => undefined)
    }
    for (const [name, err] of result.failed) {
      if (clusters.has(name)) this.#countFailure(name, err.reason)
      this.#log.warn({ cluster: name, reason: err.reason, err: err.message, spooled: result.left.get(name) }, 'the bucket still cannot take spooled snapshots; trying again later')
    }
    for (const [name, c] of clusters) await this.#publishSpooled(name, vaultSpec(c.snapshot), result.left.get(name) ?? 0)
    if (result.left.size > 0) this.#drainSoon(SPOOL_RETRY_MS)
  }

  /**
   * Retention after a good archive is in place, by the rule of retention.ts, with what the evidence index
   * knows of each archive; archives the index has not read yet are kept. Without the index, nothing goes.
   */
  async #retain (cluster: SnapshotCluster, nowMs: number): Promise<void> {
    const { keep_for: keepForMs, keep } = cluster.snapshot
    const vault: Vault = openVault(vaultSpec(cluster.snapshot))
    if (this.#catalog === undefined || vault.locked || (vault.spec.kind === 's3' && !this.#pruneBuckets)) return
    try {
      const [indexed, listing] = await Promise.all([this.#catalog.retention(vault.spec, cluster.name), vault.list(cluster.name)])
      const known = new Map(indexed.map(a => [a.name, a]))
      const archives: RetainedArchive[] = listing.archives.map(f => known.get(f.name) ?? { name: f.name, takenMs: f.takenMs, state: 'pending', lastWonDay: undefined, dataEndMs: undefined })
      const plan = retentionPlan(archives, { keepForMs, keep }, nowMs)
      if ('paused' in plan) {
        this.#log.warn({ cluster: cluster.name, why: plan.paused }, 'retention of audit snapshots paused; every archive kept')
        return
      }
      const removed = await vault.remove(cluster.name, plan.remove)
      if (removed.length === 0) return
      this.#log.info({ cluster: cluster.name, removed, cutoff: new Date(plan.cutoffMs).toISOString() }, 'audit snapshots past keep_for removed')
      await this.#catalog.changed(vault.spec, cluster.name, nowMs)
    } catch (err) {
      this.#log.warn({ cluster: cluster.name, err: String(err) }, 'retention of audit snapshots failed; archives kept')
    }
  }
}
