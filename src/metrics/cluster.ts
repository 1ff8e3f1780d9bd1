/**
 * Per-cluster metrics rendered from the {@link Store}, cached until it changes. After a change a background
 * render runs once the throttle allows (at most one per `renderIntervalMs`, however many clusters report in
 * between); a render re-renders only the clusters that changed, then joins the families, yielding to the
 * event loop every `sliceMs` so that scrapes and polls keep flowing. Their gzip is made before a render is
 * swapped in once scrapers ask for gzip. No I/O happens here.
 */
import type { Store } from '../polling/store.js'
import type { LabeledSample } from '../sources/types.js'
import { setTimer, systemClock, type CancelTimer } from '../util/timer.js'
import { CATALOGUE, type MetricName } from './catalogue.js'
import { addSeries, clusterChunk, toFamilies, type Chunk, type Families, type SeriesByFamily } from './cluster-series.js'
import { familyHeader, formatLabels, type Format } from './format.js'
import { Rendered } from './rendered.js'

const METRIC_NAMES = Object.keys(CATALOGUE) as MetricName[]
const HEADERS: Record<Format, ReadonlyMap<MetricName, Buffer>> = {
  text: new Map(METRIC_NAMES.map(n => [n, Buffer.from(familyHeader(n, CATALOGUE[n], 'text'))])),
  openmetrics: new Map(METRIC_NAMES.map(n => [n, Buffer.from(familyHeader(n, CATALOGUE[n], 'openmetrics'))])),
}

const nextTick = (): Promise<void> => new Promise(resolve => setImmediate(resolve))

/** Tuning of {@link ClusterMetrics}. */
export interface ClusterMetricsOptions {
  /**
   * At most one background render per this many ms (default 1000). A scrape also starts a render when the
   * store changed and the cache is older than this (it is answered from the cache either way).
   */
  renderIntervalMs?: number
  /** Longest stretch of synchronous rendering before yielding to the event loop (default 5 ms). */
  sliceMs?: number
  /** Series computed over several clusters (e.g. global entitlements), recomputed at every render. */
  aggregates?: () => readonly LabeledSample[]
  /** Told about a failed background render (the cache stays as it was). */
  onError?: (err: unknown) => void
}

/** The cached per-cluster exposition; see the file comment. */
export class ClusterMetrics {
  readonly #store: Store
  readonly #renderIntervalMs: number
  readonly #sliceMs: number
  readonly #aggregates: () => readonly LabeledSample[]
  readonly #onError: (err: unknown) => void
  #chunks = new Map<string, Chunk>()
  #renderedVersion = -1
  #renderedAtMs = 0
  #pending: Promise<void> | undefined
  #cache: Record<Format, Rendered> = { text: new Rendered([]), openmetrics: new Rendered([]) }
  readonly #gzipWanted: Record<Format, boolean> = { text: false, openmetrics: false }
  #unsubscribe: (() => void) | undefined
  #timer: CancelTimer | undefined
  #lastBackgroundMs = 0
  /** How often renders had to re-render a cluster's license series (for tests). */
  sampleRenders = 0

  constructor (store: Store, opts: ClusterMetricsOptions = {}) {
    this.#store = store
    this.#renderIntervalMs = opts.renderIntervalMs ?? 1000
    this.#sliceMs = opts.sliceMs ?? 5
    this.#aggregates = opts.aggregates ?? (() => [])
    this.#onError = opts.onError ?? (() => undefined)
  }

  /** The aggregates changed outside the store (e.g. a report was recomputed): render them soon. */
  aggregatesChanged (): void {
    this.#aggregatesDirty = true
    this.#scheduleRender()
  }

  #aggregatesDirty = false

  /** Keep the cache fresh off the scrape path: render in the background after changes, throttled. */
  start (): void {
    this.#unsubscribe ??= this.#store.onChange(() => this.#scheduleRender())
  }

  #scheduleRender (): void {
    if (this.#unsubscribe === undefined || this.#timer !== undefined) return
    const at = Math.max(Date.now() + 50, this.#lastBackgroundMs + this.#renderIntervalMs)
    this.#timer = setTimer(() => {
      this.#timer = undefined
      this.#lastBackgroundMs = Date.now()
      this.refresh().catch(this.#onError)
    }, at, systemClock)
  }

  /** Stop the background renders. */
  stop (): void {
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    this.#timer?.()
    this.#timer = undefined
  }

  /**
   * The rendered body for a format. Only the very first call waits for a render; later ones get the cache at
   * once, and start a render in the background when the store changed and the cache is older than the render
   * interval. `gzip` says the caller will want the gzip: from then on, renders compress this format before
   * they are swapped in.
   */
  async get (format: Format, gzip = false): Promise<Rendered> {
    if (gzip) this.#gzipWanted[format] = true
    if (this.#renderedVersion < 0) await this.refresh()
    else if (this.#stale() && Date.now() - this.#renderedAtMs >= this.#renderIntervalMs) {
      this.refresh().catch(this.#onError)
    }
    return this.#cache[format]
  }

  /** Render now if the store changed; concurrent callers share one render. */
  refresh (): Promise<void> {
    if (!this.#stale()) return this.#pending ?? Promise.resolve()
    this.#pending ??= this.#render().finally(() => { this.#pending = undefined })
    return this.#pending
  }

  #stale (): boolean {
    return this.#renderedVersion !== this.#store.version || this.#aggregatesDirty
  }

  async #render (): Promise<void> {
    const version = this.#store.version
    this.#aggregatesDirty = false
    let sliceStart = performance.now()
    const due = (): boolean => performance.now() - sliceStart >= this.#sliceMs
    const pause = async (): Promise<void> => { await nextTick(); sliceStart = performance.now() }

    const chunks = new Map<string, Chunk>()
    for (const st of this.#store.list()) {
      let chunk = this.#chunks.get(st.id.name)
      if (chunk === undefined || chunk.version !== st.version) {
        const old = chunk
        chunk = clusterChunk(st, old)
        if (chunk.samples !== old?.samples) this.sampleRenders++
      }
      chunks.set(st.id.name, chunk)
      if (due()) await pause()
    }
    this.#chunks = chunks
    const aggregates: SeriesByFamily = new Map()
    for (const s of this.#aggregates()) addSeries(aggregates, s.metric, formatLabels(s.labels), s.value)
    const aggregateFamilies = toFamilies(aggregates)

    const text: Buffer[] = []
    const om: Buffer[] = []
    for (const name of METRIC_NAMES) {
      const parts: Buffer[] = []
      const owners: Families[] = []
      for (const chunk of chunks.values()) {
        const a = chunk.samples.get(name)
        if (a !== undefined) { parts.push(a); owners.push(chunk.samples) }
        const b = chunk.status.get(name)
        if (b !== undefined) { parts.push(b); owners.push(chunk.status) }
      }
      const c = aggregateFamilies.get(name)
      if (c !== undefined) parts.push(c)
      if (parts.length === 0) continue
      const bytes = Buffer.concat(parts)
      // Each chunk keeps a view of its bytes in the joined buffer instead of its own copy: the exposition is
      // held once (8 MB at 1,000 clusters, not 16), and the previous render's buffers are freed with it.
      let offset = 0
      for (let i = 0; i < owners.length; i++) {
        const length = (parts[i] as Buffer).length
        owners[i]?.set(name, bytes.subarray(offset, offset + length))
        offset += length
      }
      text.push(HEADERS.text.get(name) ?? Buffer.alloc(0), bytes)
      om.push(HEADERS.openmetrics.get(name) ?? Buffer.alloc(0), bytes)
      if (due()) await pause()
    }
    // OpenMetrics: the `# EOF` belongs at the very end, after the per-scrape process metrics.
    const next: Record<Format, Rendered> = { text: new Rendered(text), openmetrics: new Rendered(om) }
    // Compress (on the thread pool) before swapping in, so that scrapers asking for gzip never wait for it.
    await Promise.all((['text', 'openmetrics'] as const).filter(f => this.#gzipWanted[f]).map(f => next[f].gzip()))
    this.#cache = next
    this.#renderedVersion = version
    this.#renderedAtMs = Date.now()
  }
}
