/**
 * Bounds on snapshot downloads: how many run at once (never more than {@link MAX_DOWNLOADS}, nor the config's
 * `global.concurrency`), and how many bytes they may hold together (the sum of their `max_bytes`, at most
 * {@link DOWNLOAD_BYTES_BUDGET}; one download always runs, whatever its `max_bytes`). The others wait their
 * turn, first come first served. And an offset of each cluster's next download, by its name, under a tenth of
 * its interval and {@link SPREAD_MS}: a fleet's downloads, started together, drift apart instead of recurring
 * at the same moment every interval.
 */
import { shardHash } from '../config/shard.js'

/** Most snapshot downloads at once. */
export const MAX_DOWNLOADS = 4
/** Most bytes the downloads in flight may hold together (by their `max_bytes`). */
export const DOWNLOAD_BYTES_BUDGET = 256 * 1024 * 1024
/** The largest offset of a next download. */
export const SPREAD_MS = 15 * 60_000

/** The offset of a cluster's next download: stable for its name, under min(interval / 10, {@link SPREAD_MS}). */
export function downloadSpread (name: string, intervalMs: number): number {
  return shardHash(name) % Math.max(1, Math.min(Math.floor(intervalMs / 10), SPREAD_MS))
}

/** See the file comment. */
export class DownloadLimit {
  #running = 0
  #bytes = 0
  #max: number
  readonly #waiting: Array<{ bytes: number, go: () => void }> = []

  constructor (max = MAX_DOWNLOADS) {
    this.#max = max
  }

  /** The bound of downloads at once (the config's concurrency, at most {@link MAX_DOWNLOADS}). */
  get max (): number { return this.#max }
  set max (n: number) {
    this.#max = Math.max(1, Math.min(MAX_DOWNLOADS, n))
    this.#next()
  }

  /** Downloads running and waiting. */
  get running (): number { return this.#running }
  get waiting (): number { return this.#waiting.length }

  /** Run `fn` when a place (and `bytes` of the budget) is free. */
  async run<T> (bytes: number, fn: () => Promise<T>): Promise<T> {
    await new Promise<void>(resolve => { this.#waiting.push({ bytes, go: resolve }); this.#next() })
    try {
      return await fn()
    } finally {
      this.#running--
      this.#bytes -= bytes
      this.#next()
    }
  }

  #next (): void {
    while (this.#waiting.length > 0 && this.#running < this.#max) {
      const first = this.#waiting[0]!
      if (this.#running > 0 && this.#bytes + first.bytes > DOWNLOAD_BYTES_BUDGET) return
      this.#waiting.shift()
      this.#running++
      this.#bytes += first.bytes
      first.go()
    }
  }
}
