/** Exporter-wide metrics from prom-client: process, Node.js runtime, build, config reload. */
import { Gauge, Registry, collectDefaultMetrics, type OpenMetricsContentType, type PrometheusContentType } from 'prom-client'
import type { Format } from './format.js'
import { Rendered } from './rendered.js'

type AnyRegistry = Registry<PrometheusContentType> | Registry<OpenMetricsContentType>

/** Default metrics that promlint rejects (gauges named `_total`); the un-suffixed twins carry the same values. */
const DROPPED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

/** The evidence index's counts as the metrics need them. */
export interface EvidenceCounts {
  archives: Readonly<Record<string, number>>
  orphans: readonly unknown[]
  read: number
}

/** Exporter-wide metrics (process, build, config reload, evidence index), rendered per scrape. */
export class ProcessMetrics {
  readonly #text = new Registry()
  readonly #om = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>()
  readonly reloadSuccessful: Gauge
  readonly reloadTimestamp: Gauge
  readonly #evidenceArchives: Gauge
  readonly #evidenceOrphans: Gauge
  readonly #evidenceRead: Gauge

  /** `maxAgeMs`: how long a rendered body is reused (scrapes arriving together share one render and gzip). */
  constructor (version: string, opts: { maxAgeMs?: number } = {}) {
    this.#maxAgeMs = opts.maxAgeMs ?? 1000
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
    this.#evidenceArchives = new Gauge({ name: 'license_evidence_archives', help: 'IBM audit snapshot archives in the evidence index, by state: good (in use), refused (unreadable), quarantined (dated after the clock), pending (not read yet).', labelNames: ['state'], registers })
    this.#evidenceOrphans = new Gauge({ name: 'license_evidence_orphan_folders', help: 'Folders in the vault of IBM clusters that are not configured (renamed or removed clusters); listed in the report.', registers })
    this.#evidenceRead = new Gauge({ name: 'license_evidence_archives_read', help: 'Archives the evidence index has read since the exporter started (a cold index reads every archive once).', registers })
  }

  /** The evidence index's counts (from its stats). */
  setEvidence (stats: EvidenceCounts): void {
    for (const [state, n] of Object.entries(stats.archives)) this.#evidenceArchives.set({ state }, n)
    this.#evidenceOrphans.set(stats.orphans.length)
    this.#evidenceRead.set(stats.read)
    this.invalidate()
  }

  #cache: Partial<Record<Format, { atMs: number, body: Promise<Rendered> }>> = {}
  readonly #maxAgeMs: number

  /** Forget the cached bodies (after the reload gauges change). */
  invalidate (): void { this.#cache = {} }

  /** Render in a format (reused for up to `maxAgeMs`). */
  render (format: Format): Promise<Rendered> {
    const now = Date.now()
    const hit = this.#cache[format]
    if (hit !== undefined && now - hit.atMs < this.#maxAgeMs) return hit.body
    const body = (format === 'text' ? this.#text.metrics() : this.#om.metrics()).then(text => new Rendered([Buffer.from(text)]))
    this.#cache[format] = { atMs: now, body }
    return body
  }
}
