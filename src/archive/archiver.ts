/**
 * Audit snapshot archive (opt-in per IBM cluster): download `/snapshot` on a schedule (bounded: download-limit.ts),
 * keep it in the cluster's vault (a local directory, or a bucket shared by every replica: uploads.ts), have
 * the evidence index read it, apply retention, and publish the snapshot series from the vault after every
 * attempt (snapshot-gauges.ts). Times come from archive names, never mtimes. A failed or corrupt download
 * never removes or replaces a good archive; one the bucket cannot take waits in the spool.
 */
import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import type { Config } from '../config/schema.js'
import { Scheduler, type Slot } from '../polling/scheduler.js'
import type { Store } from '../polling/store.js'
import { classifyError } from '../sources/errors.js'
import { fetchSnapshot } from '../sources/ibm/snapshot.js'
import type { Clock } from '../util/timer.js'
import type { EvidenceCatalog } from './catalog.js'
import { DownloadLimit, downloadSpread } from './download-limit.js'
import { announceStore, FleetRetention, retain } from './retain.js'
import { SnapshotGauges, type SnapshotCluster } from './snapshot-gauges.js'
import { MAX_SPOOLED, Spool } from './spool.js'
import { SPOOL_RETRY_MS, SpoolDrainer } from './spool-drainer.js'
import { StoreError, vaultSpec, type ArchiveMetadata, type VaultSpec } from './store.js'
import { bucketSlot, Uploads } from './uploads.js'
import { archiveName, clusterDir, removeStaleTemps, STALE_TEMP_MS, VaultError } from './vault.js'
import { openVault } from './vaults.js'

interface ArchiveState {
  readonly cluster: SnapshotCluster
  running: Promise<unknown> | undefined
}

/** Result of one download attempt. `skipped`: another replica stored this slot's snapshot in the bucket already. */
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
  /** Whether this replica prunes buckets (default true): only the primary does. Local directories are always pruned. */
  pruneBuckets?: boolean
  /** The metadata of a snapshot (its cluster id and covered period), stored with its object. */
  describe?: (body: Buffer) => Promise<ArchiveMetadata>
}

/** Schedules snapshot downloads for the IBM clusters that opt in. */
export class SnapshotArchiver {
  readonly #log: Logger
  readonly #scheduler: Scheduler<ArchiveState>
  #started = false

  readonly #onArchived: () => void
  readonly #catalog: EvidenceCatalog | undefined
  readonly #pruneBuckets: boolean
  readonly #uploads: Uploads
  readonly #gauges: SnapshotGauges
  readonly #drainer: SpoolDrainer
  readonly #fleetRetention: FleetRetention
  readonly #limit = new DownloadLimit()
  /** Buckets already announced in the log (Object Lock, or retention left to the primary). */
  readonly #announced = new Set<string>()

  constructor (opts: ArchiverOptions) {
    this.#log = opts.log
    this.#scheduler = new Scheduler(opts.clock)
    this.#catalog = opts.catalog
    this.#onArchived = opts.onArchived ?? (() => undefined)
    this.#pruneBuckets = opts.pruneBuckets ?? true
    const describe = opts.describe ?? (async () => ({}))
    this.#uploads = new Uploads({ log: opts.log, describe, maxBytes: 1024 * 1024 * 1024 })
    const clock = this.#scheduler.clock
    this.#gauges = new SnapshotGauges(opts.store, opts.log, () => clock.now())
    this.#fleetRetention = new FleetRetention({ log: opts.log, catalog: opts.catalog, pruneBuckets: this.#pruneBuckets, clock })
    this.#drainer = new SpoolDrainer({
      uploads: this.#uploads, log: opts.log, clock, gauges: this.#gauges,
      clusters: () => this.#scheduler.slots().map(e => e.state.cluster),
      uploaded: async (c, u) => {
        if (c !== undefined) await this.#stored(c, u.vault, u.name, u.takenMs, clock.now())
        else await this.#catalog?.changed(u.vault, u.cluster, clock.now()).catch(() => undefined)
      },
    })
  }

  /** Apply a (new) config: new opt-ins scheduled, removed ones dropped; `fleet`: the whole config of a shard. */
  apply (config: Config, fleet: Config = config): void {
    const wanted: Array<{ name: string, key: string, cluster: SnapshotCluster }> = []
    const others: SnapshotCluster[] = []
    const mine = new Set(config.clusters.map(m => m.name))
    for (const c of fleet.clusters) {
      if (c.type !== 'ibm_license_service' || c.snapshot === undefined) continue
      const cluster = { ...c, snapshot: c.snapshot }
      if (mine.has(c.name)) wanted.push({ name: c.name, key: JSON.stringify(cluster), cluster })
      else others.push(cluster)
    }
    this.#fleetRetention.set(others)
    this.#limit.max = config.global.concurrency
    const byName = new Map(wanted.map(w => [w.name, w.cluster]))
    const { added, retired } = this.#scheduler.reconcile(wanted, name => ({ cluster: byName.get(name) as SnapshotCluster, running: undefined }))
    for (const e of added) {
      this.#gauges.enabled(e.state.cluster)
      announceStore(this.#log, this.#announced, vaultSpec(e.state.cluster.snapshot), this.#pruneBuckets)
    }
    if (this.#started) for (const e of added) void this.#scheduleFromDisk(e)
    this.#drainer.soon(0)
    // A cluster leaving the config (decommissioned) gets one last snapshot, best effort, under its own deadline.
    for (const e of retired) if (!byName.has(e.name) && this.#started) this.#lastSnapshot(e)
  }

  #lastSnapshot (e: Slot<ArchiveState>): void {
    this.#log.info({ cluster: e.name }, 'cluster removed from the config: taking a last audit snapshot')
    const run = this.#bounded(e.state.cluster).then(r => {
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
    this.#drainer.start()
    this.#fleetRetention.start()
  }

  /** Stop scheduling and wait for downloads and uploads in flight. */
  async stop (): Promise<void> {
    this.#started = false
    this.#scheduler.cancelAll()
    await Promise.allSettled([...this.#scheduler.slots().map(e => e.state.running), ...this.#finals, this.#drainer.stop(), this.#fleetRetention.stop()])
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
    const summary = await this.#gauges.fromVault(cluster)
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

  #schedule (e: Slot<ArchiveState>, atMs: number): void {
    if (!this.#started) return
    this.#scheduler.at(e, atMs, () => {
      // The next one an interval later, plus an offset by name: a fleet's downloads drift apart, never in step.
      const { name, snapshot } = e.state.cluster
      void this.#download(e, true).then(() => this.#schedule(e, this.#scheduler.clock.now() + snapshot.interval + downloadSpread(name, snapshot.interval)))
    })
  }

  #download (e: Slot<ArchiveState>, scheduled = false): Promise<SnapshotResult> {
    const run = this.#bounded(e.state.cluster, scheduled)
    e.state.running = run
    return run
  }

  /** Every download, scheduled or the last one of a removed cluster, takes its turn in the download limit. */
  #bounded (cluster: SnapshotCluster, scheduled = false): Promise<SnapshotResult> {
    return this.#limit.run(cluster.snapshot.max_bytes, () => this.#downloadOnce(cluster, scheduled))
  }

  async #downloadOnce (cluster: SnapshotCluster, scheduled = false): Promise<SnapshotResult> {
    const spec = vaultSpec(cluster.snapshot)
    const vault = openVault(spec)
    const failed = async (reason: string, message: string): Promise<SnapshotResult> => {
      this.#log.warn({ cluster: cluster.name, reason, err: message }, 'audit snapshot download failed; earlier archives kept')
      this.#gauges.attempted(cluster.name, this.#scheduler.clock.now())
      this.#gauges.failed(cluster.name, reason)
      await this.#gauges.fromVault(cluster)
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
        this.#drainer.soon(SPOOL_RETRY_MS)
        await this.#gauges.spooled(cluster.name, spec)
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

  /** In a bucket, this slot's snapshot may be there already (stored by another replica): nothing to download. */
  async #storedBySomeoneElse (cluster: SnapshotCluster): Promise<SnapshotResult | undefined> {
    const summary = await this.#gauges.fromVault(cluster)
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
    if (verdict === 'good') await retain({ log: this.#log, catalog: this.#catalog, pruneBuckets: this.#pruneBuckets }, cluster, at)
    else if (verdict !== undefined) this.#log.warn({ cluster: cluster.name, file: name, verdict }, 'the new archive was not read good: retention skipped, every archive kept')
    this.#gauges.attempted(cluster.name, at)
    await this.#gauges.fromVault(cluster)
    this.#onArchived()
  }
}
