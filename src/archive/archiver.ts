/**
 * Audit snapshot archive (opt-in per IBM cluster): download `/snapshot` on a schedule, keep it in the
 * {@link writeArchive vault}, apply retention, and export `license_snapshot_last_success_timestamp_seconds`
 * and `license_snapshot_size_bytes`. A failed or corrupt download never removes or replaces a good archive.
 */
import type { Logger } from 'pino'
import type { Config } from '../config/schema.js'
import { Scheduler, type Slot } from '../polling/scheduler.js'
import type { Store } from '../polling/store.js'
import { POLL_ERROR_REASONS, classifyError } from '../sources/errors.js'
import type { IbmCluster, SnapshotConfig } from '../sources/ibm/schema.js'
import { fetchSnapshot } from '../sources/ibm/snapshot.js'
import type { Clock } from '../util/timer.js'
import { clusterDir, listArchives, newestArchive, prune, writeArchive } from './vault.js'

type SnapshotCluster = IbmCluster & { snapshot: SnapshotConfig }

interface ArchiveState {
  readonly cluster: SnapshotCluster
  running: Promise<unknown> | undefined
}

/** Why a snapshot download fails: a poll error reason, or `io` when the archive cannot be written. */
export const SNAPSHOT_FAILURE_REASONS = [...POLL_ERROR_REASONS, 'io'] as const

/** Result of one download attempt. */
export type SnapshotResult = { ok: true, file: string, bytes: number } | { ok: false, reason: string, message: string }

/** Schedules snapshot downloads for the IBM clusters that opt in. */
export class SnapshotArchiver {
  readonly #store: Store
  readonly #log: Logger
  readonly #scheduler: Scheduler<ArchiveState>
  #started = false

  readonly #onArchived: () => void

  /** `onArchived` is told after every archive written (the reports then read it). */
  constructor (opts: { store: Store, log: Logger, clock?: Clock, onArchived?: () => void }) {
    this.#store = opts.store
    this.#log = opts.log
    this.#scheduler = new Scheduler(opts.clock)
    this.#onArchived = opts.onArchived ?? (() => undefined)
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
      for (const reason of SNAPSHOT_FAILURE_REASONS) this.#store.setExtra(e.name, 'license_snapshot_failures_total', this.#failures.get(`${e.name}\0${reason}`) ?? 0, { reason })
    }
    if (this.#started) for (const e of added) void this.#scheduleFromDisk(e)
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

  /** Start: each opted-in cluster downloads when its newest archive is older than its interval. */
  start (): void {
    this.#started = true
    for (const e of this.#scheduler.slots()) void this.#scheduleFromDisk(e)
  }

  /** Stop scheduling and wait for downloads in flight. */
  async stop (): Promise<void> {
    this.#started = false
    this.#scheduler.cancelAll()
    await Promise.allSettled([...this.#scheduler.slots().map(e => e.state.running), ...this.#finals])
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
    try {
      const dir = clusterDir(cluster.snapshot.directory, cluster.name)
      const newest = await newestArchive(dir)
      if (newest !== undefined) {
        this.#publish(cluster.name, newest.mtimeMs, newest.size, (await listArchives(dir)).length)
        dueAt = newest.mtimeMs + cluster.snapshot.interval
      }
    } catch (err) {
      this.#log.warn({ cluster: cluster.name, err: String(err) }, 'cannot read snapshot directory')
    }
    this.#schedule(e, dueAt)
  }

  #schedule (e: Slot<ArchiveState>, atMs: number): void {
    if (!this.#started) return
    this.#scheduler.at(e, atMs, () => {
      void this.#download(e).then(() => this.#schedule(e, this.#scheduler.clock.now() + e.state.cluster.snapshot.interval))
    })
  }

  #publish (name: string, atMs: number, bytes: number, archives?: number): void {
    this.#store.setExtra(name, 'license_snapshot_last_success_timestamp_seconds', atMs / 1000)
    this.#store.setExtra(name, 'license_snapshot_size_bytes', bytes)
    if (archives !== undefined) this.#store.setExtra(name, 'license_snapshot_archives', archives)
  }

  /** Count a failed download by reason (the counter starts at 0 for every reason seen). */
  #countFailure (name: string, reason: string): void {
    const key = `${name}\0${reason}`
    const n = (this.#failures.get(key) ?? 0) + 1
    this.#failures.set(key, n)
    this.#store.setExtra(name, 'license_snapshot_failures_total', n, { reason })
  }

  readonly #failures = new Map<string, number>()

  #download (e: Slot<ArchiveState>): Promise<SnapshotResult> {
    const run = this.#downloadOnce(e.state.cluster)
    e.state.running = run
    return run
  }

  async #downloadOnce (cluster: SnapshotCluster): Promise<SnapshotResult> {
    const failed = (reason: string, message: string): SnapshotResult => {
      this.#log.warn({ cluster: cluster.name, reason, err: message }, 'audit snapshot download failed; earlier archives kept')
      this.#store.setExtra(cluster.name, 'license_snapshot_last_attempt_timestamp_seconds', this.#scheduler.clock.now() / 1000)
      this.#countFailure(cluster.name, reason)
      return { ok: false, reason, message }
    }
    let snapshot
    try {
      snapshot = await fetchSnapshot(cluster, cluster.snapshot)
    } catch (err) {
      const pe = classifyError(err, false)
      return failed(pe.reason, pe.message)
    }
    const dir = clusterDir(cluster.snapshot.directory, cluster.name)
    const at = this.#scheduler.clock.now()
    let file: string
    try {
      file = await writeArchive(dir, at, snapshot.body)
    } catch (err) {
      return failed('io', `cannot write the archive in ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
    }
    let kept: number | undefined
    try {
      // Retention runs only after a good archive is in place, and removes only archives past keep_for.
      const removed = await prune(dir, { keepForMs: cluster.snapshot.keep_for, keep: cluster.snapshot.keep }, at)
      if (removed.length > 0) this.#log.info({ cluster: cluster.name, removed }, 'audit snapshots past keep_for removed')
      kept = (await listArchives(dir)).length
    } catch (err) {
      this.#log.warn({ cluster: cluster.name, err: String(err) }, 'retention of audit snapshots failed; archives kept')
    }
    this.#store.setExtra(cluster.name, 'license_snapshot_last_attempt_timestamp_seconds', at / 1000)
    this.#publish(cluster.name, at, snapshot.body.length, kept)
    this.#onArchived()
    this.#log.info({ cluster: cluster.name, file, bytes: snapshot.body.length, entries: snapshot.entries }, 'audit snapshot archived')
    return { ok: true, file, bytes: snapshot.body.length }
  }
}
