/**
 * The quarter to date, kept fresh for Prometheus and the landing page: IBM's multicluster figures as
 * `license_ibm_multicluster_*` series, and per archiving cluster the days of the quarter no archive covers
 * (`license_snapshot_uncovered_seconds`). Recomputed after each new archive, after a reload, when the index
 * has read a backlog, and every few minutes: a query of the evidence index for the quarter only.
 */
import type { Logger } from 'pino'
import type { Config } from '../config/schema.js'
import type { Store } from '../polling/store.js'
import type { LabeledSample } from '../sources/types.js'
import { setTimer, systemClock, type CancelTimer, type Clock } from '../util/timer.js'
import type { IndexReport, ReportQuery } from './index/query.js'
import { quarterToDate, windowDays } from './period.js'
import type { ReportCluster } from './fleet.js'
import { multiclusterSamples, periodReport, type PeriodReport } from './period-report.js'

/** How often the quarter's figures are recomputed without a new archive. */
const REFRESH_MS = 5 * 60_000

/** Options of {@link QuarterToDate}. */
export interface QuarterOptions {
  store: Store
  config: () => Config
  /** The clusters to report on (fleet.ts). */
  clusters: () => readonly ReportCluster[]
  evidence: (query: ReportQuery) => Promise<IndexReport>
  log: Logger
  /** Told when the series changed. */
  onChange: () => void
  clock?: Clock
}

/** Keeps the quarter-to-date figures; see the file comment. */
export class QuarterToDate {
  readonly #opts: QuarterOptions
  readonly #clock: Clock
  #samples: LabeledSample[] = []
  #report: PeriodReport | undefined
  #twice = new Set<string>()
  #timer: CancelTimer | undefined
  #running: Promise<void> | undefined
  #again = false

  constructor (opts: QuarterOptions) {
    this.#opts = opts
    this.#clock = opts.clock ?? systemClock
  }

  /** The series of the last computation. */
  samples (): readonly LabeledSample[] { return this.#samples }

  /** The report of the last computation (the landing page shows it). */
  report (): PeriodReport | undefined { return this.#report }

  /** Recompute now (calls arriving during a computation share one more run after it). */
  refresh (): Promise<void> {
    if (this.#running !== undefined) {
      this.#again = true
      return this.#running
    }
    this.#running = this.#compute().catch((err: unknown) => {
      this.#opts.log.error({ err: String(err) }, 'computing the quarter-to-date multicluster figures failed')
    }).finally(() => {
      this.#running = undefined
      if (this.#again) {
        this.#again = false
        void this.refresh()
      }
    })
    return this.#running
  }

  /** Compute now and every few minutes. */
  start (): void {
    const tick = (): void => {
      void this.refresh()
      this.#timer = setTimer(tick, this.#clock.now() + REFRESH_MS, this.#clock)
    }
    if (this.#timer === undefined) tick()
  }

  /** Stop the timer and wait for a computation in flight. */
  async stop (): Promise<void> {
    this.#timer?.()
    this.#timer = undefined
    await this.#running
  }

  async #compute (): Promise<void> {
    const { store, config } = this.#opts
    const clusters = this.#opts.clusters()
    const nowMs = this.#clock.now()
    const report = await periodReport({
      window: quarterToDate(nowMs), clusters, states: name => store.get(name), entitlements: config().global.entitlements, evidence: this.#opts.evidence, nowMs, offThread: true,
    })
    const days = windowDays(report)
    // A set, not a search per cluster: at 5,000 clusters that was 25 million comparisons on the main thread.
    const archiving = new Set(clusters.filter(r => r.polled && r.vault !== undefined).map(r => r.name))
    for (const c of report.clusters) {
      if (archiving.has(c.cluster)) store.setExtra(c.cluster, 'license_snapshot_uncovered_seconds', (days - c.days_covered) * 86_400)
    }
    // A cluster configured twice (its snapshots carry another entry's cluster id) is left out of the figures:
    // say so where alerts see it, not only in the report.
    const polled = new Set(clusters.filter(c => c.polled).map(c => c.name))
    const twice = new Set(report.evidence_problems.filter(p => p.reason === 'duplicate_cluster' && polled.has(p.cluster)).map(p => p.cluster))
    for (const name of new Set([...twice, ...this.#twice])) store.setExtra(name, 'license_snapshot_refused_archives', twice.has(name) ? 1 : 0, { reason: 'duplicate_cluster' })
    this.#twice = twice
    this.#samples = clusters.length === 0 ? [] : multiclusterSamples(report)
    this.#report = clusters.length === 0 ? undefined : report
    this.#opts.onChange()
  }
}
