/**
 * Uploading the spools of the bucket stores: at start, after a reload, and every {@link SPOOL_RETRY_MS}
 * while anything is left, one drain at a time; each upload reported to the archiver, each failure counted.
 */
import type { Logger } from 'pino'
import { setTimer, type CancelTimer, type Clock } from '../util/timer.js'
import type { SnapshotCluster, SnapshotGauges } from './snapshot-gauges.js'
import { vaultSpec, type VaultSpec } from './store.js'
import type { DrainResult, Uploaded, Uploads } from './uploads.js'

/** How often the spool is tried again while it holds snapshots. */
export const SPOOL_RETRY_MS = 60_000

/** Options of {@link SpoolDrainer}. */
export interface SpoolDrainerOptions {
  uploads: Uploads
  log: Logger
  clock: Clock
  gauges: SnapshotGauges
  /** The archiving clusters now. */
  clusters: () => SnapshotCluster[]
  /** A spooled snapshot is in its bucket now (its cluster, when still configured). */
  uploaded: (cluster: SnapshotCluster | undefined, u: Uploaded) => Promise<void>
}

/** See the file comment. */
export class SpoolDrainer {
  readonly #o: SpoolDrainerOptions
  #started = false
  #timer: CancelTimer | undefined
  #draining: Promise<void> | undefined
  /**
   * The bucket of every cluster seen since start (a cluster removed from the config keeps its bucket here,
   * so its last snapshot, spooled, still goes there).
   */
  readonly #known = new Map<string, VaultSpec & { kind: 's3' }>()

  constructor (opts: SpoolDrainerOptions) {
    this.#o = opts
  }

  start (): void {
    this.#started = true
    this.soon(0)
  }

  /** Stop the timer and wait for a drain in flight. */
  async stop (): Promise<void> {
    this.#started = false
    this.#timer?.()
    this.#timer = undefined
    await this.#draining
  }

  /** Upload the spools after `delayMs` (at once for 0), unless a drain is set already or no cluster has a bucket. */
  soon (delayMs: number): void {
    if (!this.#started || this.#timer !== undefined) return
    if (this.#known.size === 0 && !this.#o.clusters().some(c => c.snapshot.store.type === 's3')) return
    this.#timer = setTimer(() => {
      this.#timer = undefined
      this.#draining ??= this.#drain().finally(() => { this.#draining = undefined })
    }, this.#o.clock.now() + delayMs, this.#o.clock)
  }

  async #drain (): Promise<void> {
    const clusters = new Map<string, SnapshotCluster>()
    for (const c of this.#o.clusters()) {
      const spec = vaultSpec(c.snapshot)
      if (spec.kind !== 's3') continue
      clusters.set(c.name, c)
      this.#known.set(c.name, spec)
    }
    const directories = new Set([...this.#known.values()].map(s => s.directory))
    if (directories.size === 0) return
    let result: DrainResult
    try {
      result = await this.#o.uploads.drain(directories, (name, directory) => {
        const spec = this.#known.get(name)
        return spec !== undefined && spec.directory === directory ? spec : undefined
      })
    } catch (err) {
      this.#o.log.error({ err: String(err) }, 'uploading the snapshot spool failed')
      this.soon(SPOOL_RETRY_MS)
      return
    }
    for (const u of result.uploaded) {
      this.#o.log.info({ cluster: u.cluster, file: u.name, bucket: u.vault.id, outcome: u.outcome }, 'spooled audit snapshot uploaded')
      await this.#o.uploaded(clusters.get(u.cluster), u)
    }
    for (const [name, err] of result.failed) {
      if (clusters.has(name)) this.#o.gauges.failed(name, err.reason)
      this.#o.log.warn({ cluster: name, reason: err.reason, err: err.message, spooled: result.left.get(name) }, 'the bucket still cannot take spooled snapshots; trying again later')
    }
    for (const [name, c] of clusters) await this.#o.gauges.spooled(name, vaultSpec(c.snapshot), result.left.get(name) ?? 0)
    if (result.left.size > 0) this.soon(SPOOL_RETRY_MS)
  }
}
