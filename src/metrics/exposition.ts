/**
 * The cached exposition. License and collection-health series are rendered from the {@link Store} once per
 * change (not per scrape), cluster by cluster, into byte buffers shared by both formats; their gzip is made
 * on the thread pool, before a render is swapped in once scrapers ask for gzip. Process metrics (prom-client's defaults, small and always
 * changing) are rendered at most once a second and appended. No I/O happens here.
 */
import { once } from 'node:events'
import { createGzip } from 'node:zlib'
import { Gauge, Registry, collectDefaultMetrics, type OpenMetricsContentType, type PrometheusContentType } from 'prom-client'
import { POLL_ERROR_REASONS } from '../sources/errors.js'
import type { LabeledSample } from '../licensing/report.js'
import type { ClusterState, Store } from '../polling/store.js'
import { CATALOGUE, type MetricName } from './catalogue.js'
import { familyHeader, formatLabels, formatValue, type Format } from './format.js'

export type { Format } from './format.js'

/** Content types of the formats. */
export const CONTENT_TYPES: Record<Format, string> = {
  text: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
}

/** gzip level of served bodies (8 MB of text: level 6 takes about 50 ms off the event loop, for 25 % fewer bytes than level 1). */
const GZIP_LEVEL = 6

/** Compress buffers as one gzip member, on libuv's thread pool (the event loop only hands them over). */
async function gzipParts (parts: readonly Buffer[]): Promise<Buffer> {
  const zip = createGzip({ level: GZIP_LEVEL })
  const out: Buffer[] = []
  zip.on('data', (d: Buffer) => out.push(d))
  const ended = once(zip, 'end')
  for (const part of parts) zip.write(part)
  zip.end()
  await ended
  return Buffer.concat(out)
}

/** A rendered body as a list of buffers (joined only when served), and its gzip (made once, when first asked). */
export class Rendered {
  readonly parts: readonly Buffer[]
  #gzip: Promise<Buffer> | undefined

  constructor (parts: readonly Buffer[]) {
    this.parts = parts
  }

  /** The body as one gzip member. */
  gzip (): Promise<Buffer> {
    return (this.#gzip ??= gzipParts(this.parts))
  }

  /** The body as text (for tests and tools; the server sends the buffers). */
  toString (): string {
    return Buffer.concat(this.parts).toString()
  }
}

type AnyRegistry = Registry<PrometheusContentType> | Registry<OpenMetricsContentType>

/** Default metrics that promlint rejects (gauges named `_total`); the un-suffixed twins carry the same values. */
const DROPPED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

/** Exporter-wide metrics (process, build, config reload), rendered per scrape. */
export class ProcessMetrics {
  readonly #text = new Registry()
  readonly #om = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>()
  readonly reloadSuccessful: Gauge
  readonly reloadTimestamp: Gauge

  constructor (version: string) {
    this.#om.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)
    const registers: AnyRegistry[] = [this.#text, this.#om]
    for (const register of registers) {
      collectDefaultMetrics({ register })
      for (const name of DROPPED_DEFAULTS) register.removeSingleMetric(name)
    }
    new Gauge({ name: 'license_exporter_build_info', help: 'Build of the exporter; always 1.', labelNames: ['version', 'nodejs_version'], registers })
      .set({ version, nodejs_version: process.version }, 1)
    this.reloadSuccessful = new Gauge({ name: 'license_exporter_config_last_reload_successful', help: 'Whether the last configuration load or reload succeeded (1) or not (0).', registers })
    this.reloadTimestamp = new Gauge({ name: 'license_exporter_config_last_reload_success_timestamp_seconds', help: 'Time of the last successful configuration load or reload, as Unix time.', registers })
  }

  #cache: Partial<Record<Format, { atMs: number, body: Promise<Rendered> }>> = {}
  /** How long a rendered process body is reused (scrapes arriving together share one render and gzip). */
  maxAgeMs = 1000

  /** Forget the cached bodies (after the reload gauges change). */
  invalidate (): void { this.#cache = {} }

  /** Render in a format (reused for up to {@link maxAgeMs}). */
  render (format: Format): Promise<Rendered> {
    const now = Date.now()
    const hit = this.#cache[format]
    if (hit !== undefined && now - hit.atMs < this.maxAgeMs) return hit.body
    const body = (format === 'text' ? this.#text.metrics() : this.#om.metrics()).then(text => new Rendered([Buffer.from(text)]))
    this.#cache[format] = { atMs: now, body }
    return body
  }
}

/** Series by family, as lines ending in newline; the buffers are shared by both formats. */
type Families = ReadonlyMap<MetricName, Buffer>

/** One cluster's rendered series, in two parts that change at different rates. */
interface Chunk {
  /** Identity and samples the first part was rendered from (the store keeps the array while values are unchanged). */
  readonly id: ClusterState['id']
  readonly samplesOf: ClusterState['samples']
  /** License series from the last successful poll: re-rendered only when their values change. */
  readonly samples: Families
  /** The cluster's {@link ClusterState.version} when the second part was rendered. */
  readonly version: number
  /** Collection health (up, duration, errors, ...): re-rendered at every change of the cluster. */
  readonly status: Families
}

/** Label text (without braces) -> value, per family; a later sample with the same labels wins. */
type SeriesByFamily = Map<MetricName, Map<string, number>>

function addSeries (series: SeriesByFamily, metric: MetricName, labels: string, value: number): void {
  let family = series.get(metric)
  if (family === undefined) series.set(metric, family = new Map())
  family.set(labels, value)
}

function toFamilies (series: SeriesByFamily): Map<MetricName, Buffer> {
  const out = new Map<MetricName, Buffer>()
  for (const [metric, family] of series) {
    let lines = ''
    for (const [labels, value] of family) lines += `${metric}${labels === '' ? '' : `{${labels}}`} ${formatValue(value)}\n`
    out.set(metric, Buffer.from(lines))
  }
  return out
}

/** `cluster`, `source` and the static labels of a cluster, as label text. */
function baseLabels (id: ClusterState['id']): string {
  return formatLabels({ cluster: id.name, source: id.type, ...id.labels })
}

function withBase (base: string, labels: Readonly<Record<string, string>>): string {
  const extra = formatLabels(labels)
  return extra === '' ? base : `${base},${extra}`
}

/** Render one cluster, reusing the parts of `old` that did not change. */
function clusterChunk (st: ClusterState, old: Chunk | undefined): Chunk {
  const base = baseLabels(st.id)
  let samples = old?.samples
  if (old === undefined || old.id !== st.id || old.samplesOf !== st.samples) {
    const series: SeriesByFamily = new Map()
    for (const s of st.samples) addSeries(series, s.metric, withBase(base, s.labels), s.value)
    samples = toFamilies(series)
  }
  const status: SeriesByFamily = new Map()
  for (const s of st.extras.values()) addSeries(status, s.metric, withBase(base, s.labels), s.value)
  addSeries(status, 'license_cluster_stale_after_seconds', base, st.id.staleAfterMs / 1000)
  if (st.up !== undefined) addSeries(status, 'license_cluster_up', base, st.up ? 1 : 0)
  if (st.lastDurationMs !== undefined) addSeries(status, 'license_cluster_poll_duration_seconds', base, st.lastDurationMs / 1000)
  if (st.lastSuccessMs !== undefined) addSeries(status, 'license_cluster_last_success_timestamp_seconds', base, st.lastSuccessMs / 1000)
  for (const reason of POLL_ERROR_REASONS) addSeries(status, 'license_cluster_poll_errors_total', withBase(base, { reason }), st.errors[reason])
  return { id: st.id, samplesOf: st.samples, samples: samples ?? new Map(), version: st.version, status: toFamilies(status) }
}

const METRIC_NAMES = Object.keys(CATALOGUE) as MetricName[]
const HEADERS: Record<Format, ReadonlyMap<MetricName, Buffer>> = {
  text: new Map(METRIC_NAMES.map(n => [n, Buffer.from(familyHeader(n, CATALOGUE[n], 'text'))])),
  openmetrics: new Map(METRIC_NAMES.map(n => [n, Buffer.from(familyHeader(n, CATALOGUE[n], 'openmetrics'))])),
}

const nextTick = (): Promise<void> => new Promise(resolve => setImmediate(resolve))

/**
 * Per-cluster metrics rendered from the {@link Store}, cached until it changes. A render re-renders only the
 * clusters that changed since the last one, then joins the families; it yields to the event loop every
 * {@link sliceMs}, so scrapes and polls keep flowing while a thousand clusters are rendered.
 */
export class ClusterMetrics {
  readonly #store: Store
  #chunks = new Map<string, Chunk>()
  #renderedVersion = -1
  #renderedAtMs = 0
  #pending: Promise<void> | undefined
  /**
   * A scrape starts a background render when the store changed and the cache is older than this (it is
   * answered from the cache either way); usually the exporter's throttled background render got there first.
   */
  maxStalenessMs = 1000
  /** Longest stretch of synchronous rendering before yielding to the event loop. */
  sliceMs = 5
  #cache: Record<Format, Rendered> = { text: new Rendered([]), openmetrics: new Rendered([]) }
  readonly #gzipWanted: Record<Format, boolean> = { text: false, openmetrics: false }
  #aggregates: () => readonly LabeledSample[] = () => []
  /** How often renders had to re-render a cluster's license series (for tests). */
  sampleRenders = 0

  constructor (store: Store) {
    this.#store = store
  }

  /** Series computed over several clusters (e.g. global entitlements), recomputed at every render. */
  setAggregates (fn: () => readonly LabeledSample[]): void {
    this.#aggregates = fn
    this.#renderedVersion = -1
  }

  /**
   * The rendered body for a format. Only the very first call waits for a render; later ones get the cache at
   * once, and start a render in the background when the store changed and the cache is older than
   * {@link maxStalenessMs} (the exporter's throttled renderer usually got there first). `gzip` says the
   * caller will want the gzip: from then on, renders compress this format before they are swapped in.
   */
  async get (format: Format, gzip = false): Promise<Rendered> {
    if (gzip) this.#gzipWanted[format] = true
    if (this.#renderedVersion < 0) await this.refresh()
    else if (this.#renderedVersion !== this.#store.version && Date.now() - this.#renderedAtMs >= this.maxStalenessMs) {
      // A failed render is reported by the exporter's own throttled render, which logs; this scrape keeps the cache.
      this.refresh().catch(() => undefined)
    }
    return this.#cache[format]
  }

  /** Render now if the store changed; concurrent callers share one render. */
  refresh (): Promise<void> {
    if (this.#renderedVersion === this.#store.version) return this.#pending ?? Promise.resolve()
    this.#pending ??= this.#render().finally(() => { this.#pending = undefined })
    return this.#pending
  }

  async #render (): Promise<void> {
    const version = this.#store.version
    let sliceStart = performance.now()
    const due = (): boolean => performance.now() - sliceStart >= this.sliceMs
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
      for (const chunk of chunks.values()) {
        const a = chunk.samples.get(name)
        if (a !== undefined) parts.push(a)
        const b = chunk.status.get(name)
        if (b !== undefined) parts.push(b)
      }
      const c = aggregateFamilies.get(name)
      if (c !== undefined) parts.push(c)
      if (parts.length === 0) continue
      const bytes = Buffer.concat(parts)
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

const joined = new WeakMap<Rendered, { tail: Rendered, plain: Buffer | undefined, gzip: Promise<Buffer> | undefined }>()

/**
 * The per-cluster part followed by the process part, plain or gzipped. Memoised on the two cached parts (each
 * changes at most once a second), so concurrent scrapes share one buffer. Two gzip members back to back form
 * one valid gzip stream (RFC 1952), so each part keeps its own gzip.
 */
export async function joinRendered (head: Rendered, tail: Rendered, gzip: boolean): Promise<Buffer> {
  let hit = joined.get(head)
  if (hit === undefined || hit.tail !== tail) {
    hit = { tail, plain: undefined, gzip: undefined }
    joined.set(head, hit)
  }
  if (!gzip) return (hit.plain ??= Buffer.concat([...head.parts, ...tail.parts]))
  return await (hit.gzip ??= Promise.all([head.gzip(), tail.gzip()]).then(Buffer.concat))
}
