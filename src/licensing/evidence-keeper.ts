/**
 * Keeps the evidence index in step with the vault while the exporter runs: a sync at start (a cold index
 * reads every archive, newest first), after a reload, and every few minutes, so files placed, removed or
 * restored by hand are seen. Reading happens in the index worker; this only asks.
 */
import type { Logger } from 'pino'
import { setTimer, systemClock, type CancelTimer, type Clock } from '../util/timer.js'
import { syncRoots, type ReportCluster } from './fleet.js'
import type { SyncRoot } from './index/engine.js'

/** How often the vault is looked at for changes made by hand. */
export const EVIDENCE_SYNC_MS = 5 * 60_000

/** Options of {@link EvidenceKeeper}. */
export interface EvidenceKeeperOptions {
  sync: (roots: SyncRoot[], nowMs: number) => Promise<void>
  /** The clusters whose evidence to keep in step (fleet.ts). */
  clusters: () => readonly ReportCluster[]
  log: Logger
  clock?: Clock
}

/** See the file comment. */
export class EvidenceKeeper {
  readonly #opts: EvidenceKeeperOptions
  readonly #clock: Clock
  #timer: CancelTimer | undefined

  constructor (opts: EvidenceKeeperOptions) {
    this.#opts = opts
    this.#clock = opts.clock ?? systemClock
  }

  /** Sync now (no-op without archiving clusters); errors are logged. */
  async syncNow (): Promise<void> {
    const roots = syncRoots(this.#opts.clusters())
    if (roots.length === 0) return
    await this.#opts.sync(roots, this.#clock.now()).catch((err: unknown) => {
      this.#opts.log.error({ err: String(err) }, 'evidence index sync failed')
    })
  }

  /** Sync now and every {@link EVIDENCE_SYNC_MS}. */
  start (): void {
    const tick = (): void => {
      void this.syncNow()
      this.#timer = setTimer(tick, this.#clock.now() + EVIDENCE_SYNC_MS, this.#clock)
    }
    if (this.#timer === undefined) tick()
  }

  stop (): void {
    this.#timer?.()
    this.#timer = undefined
  }
}
