/**
 * The cached exposition. License and collection-health series are rendered from the {@link Store} once per
 * change (not per scrape) into text and OpenMetrics bytes, plus their gzip. Process metrics, which change
 * all the time and are small, are rendered per scrape and appended. No I/O happens here.
 */
import { gzipSync } from 'node:zlib'
import { Counter, Gauge, Registry, collectDefaultMetrics, type OpenMetricsContentType, type PrometheusContentType } from 'prom-client'
import { POLL_ERROR_REASONS } from '../errors.js'
import type { LabeledSample } from '../report.js'
import type { Store } from '../store.js'
import { CATALOGUE, type MetricName } from './catalogue.js'

/** Exposition formats. */
export type Format = 'text' | 'openmetrics'

/** Content types of the formats. */
export const CONTENT_TYPES: Record<Format, string> = {
  text: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
}

/** A rendered body and its gzip (made on first request). */
export interface Rendered {
  readonly body: string
  gzip (): Buffer
}

function rendered (body: string): Rendered {
  let gz: Buffer | undefined
  return { body, gzip: () => (gz ??= gzipSync(body, { level: 6 })) }
}

const EOF_LINE = '# EOF\n'

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
    const body = (format === 'text' ? this.#text.metrics() : this.#om.metrics()).then(rendered)
    this.#cache[format] = { atMs: now, body }
    return body
  }
}

type Metric = Gauge | Counter
type AnyRegistry = Registry<PrometheusContentType> | Registry<OpenMetricsContentType>

/**
 * prom-client renames a counter in place (drops `_total`) when an OpenMetrics registry renders it, so a
 * counter shared with the text registry would lose its suffix there: counters get one object per format.
 */
function perFormat (registries: readonly AnyRegistry[], make: (registers: AnyRegistry[]) => Metric): Metric[] {
  return registries.map(r => make([r]))
}

/** Default metrics that promlint rejects (gauges named `_total`); the un-suffixed twins carry the same values. */
const DROPPED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

/** Per-cluster metrics rendered from the store, cached until the store changes. */
export class ClusterMetrics {
  readonly #store: Store
  readonly #text = new Registry()
  readonly #om = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>()
  #metrics = new Map<MetricName, Metric[]>()
  #staticLabels: string[] = []
  #renderedVersion = -1
  #renderedAtMs = 0
  #pending: Promise<void> | undefined
  /**
   * A scrape re-renders on the spot only when the cache is older than this and the store changed; otherwise
   * it gets the cache, and the exporter's throttled background render catches up.
   */
  maxStalenessMs = 1000
  #cache: Record<Format, Rendered> = { text: rendered(''), openmetrics: rendered('') }
  #aggregates: () => readonly LabeledSample[] = () => []
  /** How many renders happened (for tests and the benchmark). */
  renders = 0

  /** Series computed over several clusters (e.g. global entitlements), recomputed at every render. */
  setAggregates (fn: () => readonly LabeledSample[]): void {
    this.#aggregates = fn
    this.#renderedVersion = -1
  }

  constructor (store: Store) {
    this.#store = store
    this.#om.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)
    this.setStaticLabels([])
  }

  /** (Re)create the metric objects when the union of static label names changes. */
  setStaticLabels (names: readonly string[]): void {
    if (this.#metrics.size > 0 && names.join('\0') === this.#staticLabels.join('\0')) return
    this.#staticLabels = [...names]
    this.#text.clear()
    this.#om.clear()
    this.#metrics = new Map()
    const registers: AnyRegistry[] = [this.#text, this.#om]
    for (const [name, def] of Object.entries(CATALOGUE) as Array<[MetricName, (typeof CATALOGUE)[MetricName]]>) {
      const labelNames = ['cluster', 'source', ...def.labels, ...this.#staticLabels]
      const opts = { name, help: def.help, labelNames }
      this.#metrics.set(name, def.type === 'counter'
        ? perFormat(registers, regs => new Counter({ ...opts, registers: regs }))
        : [new Gauge({ ...opts, registers })])
    }
    this.#renderedVersion = -1
  }

  /** The rendered body for a format; rendered first when never rendered, or changed and older than {@link maxStalenessMs}. */
  async get (format: Format): Promise<Rendered> {
    if (this.#renderedVersion < 0 || (this.#renderedVersion !== this.#store.version && Date.now() - this.#renderedAtMs >= this.maxStalenessMs)) {
      await this.refresh()
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
    for (const ms of this.#metrics.values()) for (const m of ms) m.reset()
    const set = (name: MetricName, labels: Record<string, string>, value: number): void => {
      for (const m of this.#metrics.get(name) ?? []) {
        if (m instanceof Gauge) m.set(labels, value)
        else m.inc(labels, value)
      }
    }
    for (const st of this.#store.list()) {
      const base: Record<string, string> = { cluster: st.id.name, source: st.id.type, ...st.id.labels }
      for (const s of st.samples) set(s.metric, { ...base, ...s.labels }, s.value)
      for (const s of st.extras.values()) set(s.metric, { ...base, ...s.labels }, s.value)
      set('license_cluster_stale_after_seconds', base, st.id.staleAfterMs / 1000)
      if (st.up !== undefined) set('license_cluster_up', base, st.up ? 1 : 0)
      if (st.lastDurationMs !== undefined) set('license_cluster_poll_duration_seconds', base, st.lastDurationMs / 1000)
      if (st.lastSuccessMs !== undefined) set('license_cluster_last_success_timestamp_seconds', base, st.lastSuccessMs / 1000)
      for (const reason of POLL_ERROR_REASONS) set('license_cluster_poll_errors_total', { ...base, reason }, st.errors[reason])
    }
    for (const s of this.#aggregates()) set(s.metric, s.labels, s.value)
    const [text, om] = await Promise.all([this.#text.metrics(), this.#om.metrics()])
    // OpenMetrics: the `# EOF` belongs at the very end, after the per-scrape process metrics.
    this.#cache = { text: rendered(text), openmetrics: rendered(om.endsWith(EOF_LINE) ? om.slice(0, -EOF_LINE.length) : om) }
    this.#renderedVersion = version
    this.#renderedAtMs = Date.now()
    this.renders++
  }
}

const joined = new WeakMap<Rendered, { tail: Rendered, text: string, gzip: Buffer | undefined }>()

/**
 * The per-cluster part followed by the process part, as text or gzip. Memoised on the two cached parts (each
 * changes at most once a second), so concurrent scrapes share one string and one buffer instead of copying.
 * Two gzip members back to back form one valid gzip stream (RFC 1952).
 */
export function joinRendered (head: Rendered, tail: Rendered, gzip: boolean): string | Buffer {
  let hit = joined.get(head)
  if (hit === undefined || hit.tail !== tail) {
    hit = { tail, text: head.body + tail.body, gzip: undefined }
    joined.set(head, hit)
  }
  if (!gzip) return hit.text
  hit.gzip ??= Buffer.concat([head.gzip(), tail.gzip()])
  return hit.gzip
}
