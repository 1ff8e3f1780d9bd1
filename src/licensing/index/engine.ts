/**
 * The evidence index at work: keeps the tables in step with the vault. A sync lists each cluster folder and
 * queues what changed: new archives (newest first, so recent windows are right early), archives whose size,
 * mtime or inode changed (a restore: read again unless the hash is the same), archives gone (their days go
 * to the next newest archive that covers them, read again for those days), and archives whose date moved to
 * the other side of the clock (quarantined, or released). Every task runs alone (a {@link TaskQueue}), so a
 * transaction is never seen half done; queries go first.
 */
import { FUTURE_TOLERANCE_MS } from '../../archive/retention.js'
import type { RefusedFile } from '../../archive/listing.js'
import { StoreError, type StoredArchive, type Vault, type VaultSpec } from '../../archive/store.js'
import { openVault } from '../../archive/vaults.js'
import { TaskQueue } from '../../util/task-queue.js'
import { ingestArchive, loadArchive, type IngestOptions, type IngestOutcome, type IngestTarget, type Loaded } from './ingest.js'
import { forgetArchive, sameContent } from './forget.js'
import { orphanFolders, type OrphanFolder, type SyncRoot } from './orphans.js'

export type { OrphanFolder, SyncRoot }
import type { ArchiveRow, IndexStore } from './store.js'

/** Lanes of the queue, most urgent first. */
export const LANE = { query: 0, archived: 1, sync: 2, change: 3, ingest: 4 } as const

/** Log hook (the worker forwards it to the process's logger). */
export type IndexLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void

/** Settings of an engine. */
export interface EngineOptions extends Omit<IngestOptions, 'nowMs'> {
  log: IndexLog
  /** Archives taken before this are not read (a report of a window needs none older than its first day). */
  takenFromMs?: number | undefined
  /** Told every {@link SETTLE_EVERY} archives read and whenever the queue runs dry (the worker trims its heap then). */
  onSettled?: () => void
  /** Told which archive is being read (undefined: none), so a crash can be blamed on it. */
  onReading?: (t: IngestTarget | undefined) => void
}

/** Archives read between two {@link EngineOptions.onSettled} calls during a long backlog. */
export const SETTLE_EVERY = 500

const key = (directory: string, cluster: string): string => `${directory}\0${cluster}`
const queueKey = (t: IngestTarget): string => `${t.cluster}:${t.name}`
/** An archive whose verdict the clock changed: quarantined but no longer in the future, or used but now in it. */
const onWrongSide = (r: { state: string, taken_ms: number }, nowMs: number): boolean =>
  (r.state === 'quarantined' && r.taken_ms <= nowMs + FUTURE_TOLERANCE_MS) || (r.state === 'good' && r.taken_ms > nowMs + FUTURE_TOLERANCE_MS)

/** See the file comment. */
export class IndexEngine {
  readonly store: IndexStore
  readonly queue: TaskQueue
  readonly #opts: EngineOptions
  /** Archives queued (`cluster id:name`), in the backlog or as a change. */
  readonly #queued = new Set<string>()
  /** New archives to read, oldest first (popped from the end). */
  readonly #backlog: IngestTarget[] = []
  #draining = false
  /** The latest clock a caller gave: the backlog judges archives against it, not against its first sync's. */
  #now = Number.NEGATIVE_INFINITY
  /** The next backlog archive's file, read ahead. */
  #prefetched: { key: string, loaded: Promise<Loaded> } | undefined
  /** Per cluster folder: files named like archives that are not (links, FIFOs, bad names), and listing errors. */
  readonly refusedFiles = new Map<string, RefusedFile[]>()
  readonly listErrors = new Map<string, { reason: string, message: string }>()
  orphans: OrphanFolder[] = []
  #read = 0
  /** Bumped whenever the tables change (metrics are recomputed then). */
  version = 0

  constructor (store: IndexStore, opts: EngineOptions) {
    this.store = store
    this.#opts = opts
    this.queue = new TaskQueue(5, () => opts.onSettled?.())
  }

  /** Archives queued to be read or looked at again. */
  get pending (): number { return this.#queued.size }

  /** Archives read since this engine started. */
  get read (): number { return this.#read }

  /**
   * List the roots and queue what changed; resolves when listed (not when read: see {@link idle}). Each
   * cluster folder is listed by a task of its own, so queries go between them. The folders of other
   * clusters are the orphans, unless `orphans` is false (a sync of some clusters only).
   */
  sync (roots: readonly SyncRoot[], nowMs: number, orphans = true): Promise<void> {
    this.#now = Math.max(this.#now, nowMs)
    const fresh: IngestTarget[] = []
    const listed = roots.flatMap(root => root.clusters.map(name => this.queue.push(LANE.sync, async () => {
      for (const t of await this.#syncCluster(openVault(root.vault), name, nowMs)) fresh.push(t)
    })))
    const done = this.queue.push(LANE.sync, async () => {
      if (orphans) this.orphans = await orphanFolders(roots)
      this.version++
      // New archives are read newest first (the backlog is popped from its end), so recent windows are right early.
      for (const t of fresh) this.#backlog.push(t)
      this.#backlog.sort((a, b) => a.takenMs - b.takenMs)
      // Listing a big vault leaves garbage (a stat per file): give it back before the reading starts.
      this.#opts.onSettled?.()
      this.#drain()
    })
    return Promise.all([...listed, done]).then(() => undefined)
  }

  /**
   * Read the backlog one archive per task, so that queries and changes go between them; the next archive's
   * file is read while this one is parsed.
   */
  #drain (): void {
    if (this.#draining || this.#backlog.length === 0) return
    this.#draining = true
    void this.queue.push(LANE.ingest, async () => {
      const t = this.#backlog.pop()!
      const pre = this.#prefetched?.key === queueKey(t) ? this.#prefetched.loaded : undefined
      if (pre === undefined) this.#dropPrefetched()
      const next = this.#backlog.at(-1)
      this.#prefetched = next === undefined ? undefined : { key: queueKey(next), loaded: loadArchive(next, this.#opts.maxArchiveBytes) }
      this.#prefetched?.loaded.catch(() => undefined)
      try {
        await this.#ingest(t, this.#now, pre)
      } catch (err) {
        this.#opts.log('error', 'indexing an archive failed', { cluster: t.clusterName, file: t.name, err: String(err) })
      } finally {
        this.#queued.delete(queueKey(t))
        this.#draining = false
        this.#drain()
      }
    })
  }

  /**
   * Read one archive now (just written by the archiver); resolves with its verdict. The cluster's other
   * archives are checked against the clock at the same time (one downloaded under a wrong clock is
   * quarantined once the clock is right), so the next report sees them right.
   */
  archived (spec: VaultSpec, cluster: string, name: string, takenMs: number, nowMs: number): Promise<IngestOutcome> {
    this.#now = Math.max(this.#now, nowMs)
    return this.queue.push(LANE.archived, async () => {
      const vault = openVault(spec)
      const id = this.store.clusterId(spec.id, cluster)!
      const t: IngestTarget = { cluster: id, vault, clusterName: cluster, name, takenMs }
      const row = this.store.archive(id, name)
      if (row !== undefined) await this.#forget(row, t, nowMs)
      const out = await this.#ingest(t, nowMs)
      for (const r of this.store.archiveFacts(id)) {
        if (!onWrongSide(r, nowMs)) continue
        const other = { ...t, name: r.name, takenMs: r.taken_ms }
        await this.#forget(this.store.archive(id, r.name)!, other, nowMs)
        await this.#ingest(other, nowMs)
      }
      return out
    })
  }

  /** Resolves when every queued task has run. */
  idle (): Promise<void> { return this.queue.idle() }

  async #syncCluster (vault: Vault, name: string, nowMs: number): Promise<IngestTarget[]> {
    const k = key(vault.spec.id, name)
    let files: StoredArchive[]
    try {
      const listing = await vault.list(name)
      this.listErrors.delete(k)
      this.refusedFiles.set(k, listing.refused)
      files = listing.archives
    } catch (err) {
      this.listErrors.set(k, { reason: err instanceof StoreError ? err.reason : 'io', message: err instanceof Error ? err.message : String(err) })
      return []
    }
    const cluster = this.store.clusterId(vault.spec.id, name)!
    const rows = new Map(this.store.archiveFacts(cluster).map(r => [r.name, r]))
    const target = (f: { name: string, takenMs: number }): IngestTarget => ({ cluster, vault, clusterName: name, name: f.name, takenMs: f.takenMs })
    const present = new Set(files.map(f => f.name))
    for (const r of rows.values()) {
      if (!present.has(r.name)) this.#change(target({ name: r.name, takenMs: r.taken_ms }), nowMs, 'gone')
    }
    const fresh: IngestTarget[] = []
    for (const f of files) {
      const r = rows.get(f.name)
      const t = target(f)
      if (this.#queued.has(queueKey(t))) continue
      if (r === undefined) {
        if (this.#opts.takenFromMs !== undefined && f.takenMs < this.#opts.takenFromMs) continue
        this.#queued.add(queueKey(t))
        fresh.push(t)
      } else if (onWrongSide(r, nowMs)) {
        this.#change(t, nowMs, 'clock')
      } else if (r.size !== f.size || r.mtime_ms !== f.mtimeMs || r.ino !== f.ino) {
        this.#change(t, nowMs, 'changed')
      }
    }
    return fresh
  }

  /** Queue a look at an indexed archive that is gone, changed, or on the other side of the clock. */
  #change (t: IngestTarget, nowMs: number, why: 'gone' | 'changed' | 'clock'): void {
    const k = queueKey(t)
    if (this.#queued.has(k)) return
    this.#queued.add(k)
    void this.queue.push(LANE.change, async () => {
      try {
        const row = this.store.archive(t.cluster, t.name)
        if (row === undefined || (why === 'changed' && await sameContent(this.store, row, t, { ...this.#opts, nowMs }))) return
        await this.#forget(row, t, nowMs)
        if (why !== 'gone') await this.#ingest(t, nowMs)
      } catch (err) {
        this.#opts.log('error', 'indexing an archive failed', { cluster: t.clusterName, file: t.name, err: String(err) })
      } finally {
        this.#queued.delete(k)
      }
    })
  }

  /** Close a prefetched file that will not be read (the backlog changed order). */
  #dropPrefetched (): void {
    void this.#prefetched?.loaded.then(l => l.close(), () => undefined)
    this.#prefetched = undefined
  }

  async #ingest (t: IngestTarget, nowMs: number, pre?: Promise<Loaded>): Promise<IngestOutcome> {
    this.#opts.onReading?.(t)
    const out = await ingestArchive(this.store, t, { ...this.#opts, nowMs }, pre)
    this.#opts.onReading?.(undefined)
    this.version++
    if (out.state !== 'good') this.#opts.log('warn', 'audit snapshot archive not used', { cluster: t.clusterName, file: t.name, verdict: out.state, reason: out.state === 'io' ? 'io' : out.reason, message: out.message })
    if (++this.#read % SETTLE_EVERY === 0) this.#opts.onSettled?.()
    if (this.#read % 1000 === 0) this.#opts.log('info', 'evidence index: archives read', { read: this.#read, pending: this.pending })
    return out
  }

  /** Drop an archive from the index; the days it was the source of go to the next newest archive covering them. */
  async #forget (row: ArchiveRow, t: IngestTarget, nowMs: number): Promise<void> {
    this.version++
    await forgetArchive(this.store, row, t, { ...this.#opts, nowMs })
  }
}
