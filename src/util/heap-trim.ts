/**
 * Gives memory back after bursts of polls. A poll round allocates about 170 KB per cluster, most of it short
 * lived, and a regular GC frees the objects but V8 keeps the pages: its young generation at full size and a
 * pool of free old-generation pages (measured at 1,000 clusters: 60 MB pooled and 32 MB of young generation for
 * 35 MB of live heap). V8's own memory reducer should return them after a quiet spell, but in the exporter it
 * does not (traced: still "high alloc" after 15 s without a poll, and RSS unchanged). A memory-reducing GC
 * returns them: {@link HeapTrimmer} runs one when the poller goes idle and RSS has grown by `growthBytes` since
 * the last one, at most once per `minGapMs`. It needs `gc`, which node exposes with `--expose-gc` (the image's
 * ENTRYPOINT and `npm start` pass it); without it, it does nothing.
 */

/** V8's `gc` as `--expose-gc` exposes it, with the options this module uses. */
export type CollectGarbage = (options: { type: 'major', execution: 'sync', flavor: 'last-resort' }) => void

/** The `gc` that node exposes with `--expose-gc`, if any. */
export function exposedGc (): CollectGarbage | undefined {
  const gc: unknown = (globalThis as { gc?: unknown }).gc
  return typeof gc === 'function' ? gc as CollectGarbage : undefined
}

/** Options of the {@link HeapTrimmer}. */
export interface HeapTrimOptions {
  /** The memory-reducing GC (`undefined`: never trim). */
  gc: CollectGarbage | undefined
  /** Trim once RSS has grown this much since the last trim (default 32 MiB). */
  growthBytes?: number
  /** At most one trim per this many ms (default 1,000: a trim takes 40-150 ms, so at most 15 % of one core). */
  minGapMs?: number
  /** Resident set size in bytes; for tests. */
  rss?: () => number
  /** Monotonic ms; for tests. */
  now?: () => number
}

/** What one trim did. */
export interface Trim { beforeBytes: number, afterBytes: number, ms: number }

/** Runs a memory-reducing GC at idle moments when RSS has grown; see the module comment. */
export class HeapTrimmer {
  readonly #gc: CollectGarbage | undefined
  readonly #growth: number
  readonly #minGap: number
  readonly #rss: () => number
  readonly #now: () => number
  /** RSS right after the last trim (at first: when built), lowered when RSS is found below it. */
  #baseline: number
  #lastMs = Number.NEGATIVE_INFINITY
  /** Trims done, and the time they took in all (ms). */
  trims = 0
  trimMs = 0

  constructor (opts: HeapTrimOptions) {
    this.#gc = opts.gc
    this.#growth = opts.growthBytes ?? 32 * 1024 * 1024
    this.#minGap = opts.minGapMs ?? 1000
    this.#rss = opts.rss ?? (() => process.memoryUsage.rss())
    this.#now = opts.now ?? (() => performance.now())
    // Without gc nothing is ever compared with it: RSS is not even read.
    this.#baseline = this.#gc !== undefined ? this.#rss() : Number.POSITIVE_INFINITY
  }

  /** Whether trims can happen (node exposes `gc`). */
  get enabled (): boolean { return this.#gc !== undefined }

  /** The work in flight just ended: trim if RSS grew enough and the last trim is old enough; what it did. */
  idle (): Trim | undefined {
    const gc = this.#gc
    if (gc === undefined) return undefined
    const now = this.#now()
    if (now - this.#lastMs < this.#minGap) return undefined
    const before = this.#rss()
    if (before < this.#baseline) this.#baseline = before
    if (before - this.#baseline < this.#growth) return undefined
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' })
    const after = this.#rss()
    const end = this.#now()
    this.#lastMs = end
    this.#baseline = after
    this.trims++
    this.trimMs += end - now
    return { beforeBytes: before, afterBytes: after, ms: end - now }
  }
}
