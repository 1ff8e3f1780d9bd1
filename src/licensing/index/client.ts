/**
 * The evidence index as the exporter's thread sees it: an async facade over the index worker (worker.ts).
 * The worker starts on first use; if it dies, pending requests fail with a reason and the next request
 * starts a new one (the index file persists, so it picks up where it was). Also the archiver's
 * {@link EvidenceCatalog}: it reads a new archive at once and tells retention what each archive is worth.
 */
import { Worker } from 'node:worker_threads'
import type { Logger } from 'pino'
import type { EvidenceCatalog } from '../../archive/catalog.js'
import type { RetainedArchive } from '../../archive/retention.js'
import type { VaultSpec } from '../../archive/store.js'
import type { ZipLimits } from '../zip.js'
import type { SyncRoot } from './engine.js'
import type { ArchiveRef, IndexStats, Requests, WorkerMessage, WorkerSettings } from './protocol.js'
import type { IndexReport, ReportQuery } from './query.js'

/** Settings of {@link EvidenceIndex}. */
export interface EvidenceIndexOptions {
  /** Index file, or `:memory:`. */
  location: string
  log: Logger
  /** Largest archive read (default 1 GiB, the largest `snapshot.max_bytes`). */
  maxArchiveBytes?: number
  limits?: Partial<ZipLimits>
  /** Archives taken before this are not read (a report of one window). */
  takenFromMs?: number
  /** Told the index's counts when they change (at most once a second). */
  onStats?: (stats: IndexStats) => void
}

interface Pending { resolve: (v: unknown) => void, reject: (e: Error) => void }

/** How long a question to the index may take (a report waits at most for the archive being read). */
const ANSWER_MS = 120_000

/** See the file comment. */
export class EvidenceIndex implements EvidenceCatalog {
  readonly #opts: EvidenceIndexOptions
  #worker: Worker | undefined
  #next = 1
  readonly #pending = new Map<number, Pending>()
  #closed = false
  /** The archive the worker is reading, what to refuse after a crash, whether it died, the last full sync. */
  #reading: ArchiveRef | undefined
  #crashed: ArchiveRef | undefined
  #died = false
  #lastSync: Requests['sync']['args'] | undefined
  /** The listing of the vault again after a restart, while it runs. */
  #relisting: Promise<void> | undefined

  constructor (opts: EvidenceIndexOptions) {
    this.#opts = opts
  }

  #start (): Worker {
    if (this.#worker !== undefined) return this.#worker
    const settings: WorkerSettings = {
      location: this.#opts.location, maxArchiveBytes: this.#opts.maxArchiveBytes ?? 1024 * 1024 * 1024,
      ...(this.#opts.limits !== undefined ? { limits: this.#opts.limits } : {}),
      ...(this.#opts.takenFromMs !== undefined ? { takenFromMs: this.#opts.takenFromMs } : {}),
      ...(this.#crashed !== undefined ? { crashed: this.#crashed } : {}),
    }
    this.#crashed = undefined
    const resync = this.#died ? this.#lastSync : undefined
    this.#died = false
    // A small young generation: the worker's garbage is short-lived (one archive at a time), and a young
    // generation of the exporter's size (--max-semi-space-size) would hold tens of MB for nothing.
    // Its old generation is capped: whatever an archive holds, an out-of-memory ends the worker (reported,
    // restarted), never the exporter.
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: settings, resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 256 } })
    worker.unref()
    worker.on('message', (m: WorkerMessage) => this.#onMessage(m))
    worker.on('error', err => this.#opts.log.error({ err: String(err) }, 'evidence index worker failed'))
    worker.on('exit', code => {
      if (this.#worker === worker) this.#worker = undefined
      if (!this.#closed) {
        // Not asked to stop: the next request starts a new worker, which refuses the archive being read (if
        // any) and lists the vault again, so the backlog is not forgotten.
        this.#opts.log.error({ code, reading: this.#reading?.name }, 'the evidence index worker stopped; it restarts at the next request')
        this.#crashed = this.#reading
        this.#died = true
      }
      this.#reading = undefined
      const failed = [...this.#pending.values()]
      this.#pending.clear()
      for (const p of failed) p.reject(new Error(`the evidence index worker stopped (exit code ${code})`))
    })
    this.#worker = worker
    if (resync !== undefined) {
      // Reports wait for this listing: before it, the new worker knows no backlog and would say 0 pending.
      const id = this.#next++
      this.#relisting = new Promise<void>(resolve => { this.#pending.set(id, { resolve: () => resolve(), reject: () => resolve() }) })
        .finally(() => { this.#relisting = undefined })
      worker.postMessage({ id, op: 'sync', args: resync })
    }
    return worker
  }

  #onMessage (m: WorkerMessage): void {
    if ('event' in m) {
      if (m.event === 'log') this.#opts.log[m.level](m.fields, m.msg)
      else if (m.event === 'reading') this.#reading = m.archive
      else if (m.event === 'stats') this.#opts.onStats?.(m.stats)
      else if (m.rebuilt !== undefined) {
        const level = m.rebuilt === 'new' ? 'info' : 'warn'
        this.#opts.log[level]({ index: m.location, reason: m.rebuilt }, m.rebuilt === 'new' ? 'evidence index created; reading the archives' : 'evidence index rebuilt from the archives')
      }
      return
    }
    const p = this.#pending.get(m.id)
    if (p === undefined) return
    this.#pending.delete(m.id)
    if (m.ok) p.resolve(m.value)
    else p.reject(new Error(m.error))
  }

  /** Ask the worker; questions (not `sync`, `idle`) fail after {@link ANSWER_MS} rather than wait behind anything. */
  #call<K extends keyof Requests> (op: K, args: Requests[K]['args']): Promise<Requests[K]['result']> {
    if (this.#closed) return Promise.reject(new Error('the evidence index is closed'))
    const worker = this.#start()
    const id = this.#next++
    let timer: NodeJS.Timeout | undefined
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      worker.ref()
      worker.postMessage({ id, op, args })
      if (op !== 'sync' && op !== 'idle') {
        timer = setTimeout(() => {
          this.#pending.delete(id)
          reject(new Error(`the evidence index did not answer ${op} within ${ANSWER_MS / 1000} s`))
        }, ANSWER_MS)
      }
    }).finally(() => {
      clearTimeout(timer)
      if (this.#pending.size === 0) this.#worker?.unref()
    }) as Promise<Requests[K]['result']>
  }

  /** Bring the index in step with these cluster folders (resolves once listed; reading goes on). */
  sync (roots: SyncRoot[], nowMs: number): Promise<void> {
    this.#lastSync = { roots, nowMs, orphans: true }
    return this.#call('sync', this.#lastSync)
  }

  /** Resolves when every queued archive was read. */
  idle (): Promise<void> { return this.#call('idle', undefined) }
  /** A report of a window (after the listing of a restarted worker, so its backlog is counted). */
  async report (query: ReportQuery): Promise<IndexReport> {
    if (!this.#closed) this.#start()
    await this.#relisting
    return this.#call('report', query)
  }

  /** The index's counts. */
  async stats (): Promise<IndexStats> {
    if (!this.#closed) this.#start()
    await this.#relisting
    return this.#call('stats', undefined)
  }

  /** {@link EvidenceCatalog.archived}. */
  async archived (vault: VaultSpec, cluster: string, name: string, takenMs: number, nowMs: number): Promise<string> {
    return (await this.#call('archived', { vault, cluster, name, takenMs, nowMs })).state
  }

  /** {@link EvidenceCatalog.changed}. */
  changed (vault: VaultSpec, cluster: string, nowMs: number): Promise<void> {
    return this.#call('sync', { roots: [{ vault, clusters: [cluster] }], nowMs, orphans: false })
  }

  /** {@link EvidenceCatalog.retention}. */
  retention (vault: VaultSpec, cluster: string): Promise<RetainedArchive[]> { return this.#call('retention', { vault: vault.id, cluster }) }

  /** Stop the worker after the task it is running (queued work is dropped; the file stays consistent). */
  async close (): Promise<void> {
    this.#closed = true
    const worker = this.#worker
    if (worker === undefined) return
    worker.ref()
    const exited = new Promise<void>(resolve => worker.once('exit', () => resolve()))
    worker.postMessage({ op: 'close' })
    // A transaction cut short is rolled back by SQLite at the next open: the index stays consistent.
    const timer = setTimeout(() => { void worker.terminate() }, 2000)
    await exited
    clearTimeout(timer)
  }
}
