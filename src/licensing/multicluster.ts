/**
 * IBM's highest multicluster usage (shared/docs/ibm-license-service.md, "Multicluster"): per product and
 * license metric, **the highest daily sum of used metric units on all clusters within the reporting
 * period**, from each cluster's `products_daily_*.csv`, beside the sum of the per-cluster peaks (an upper
 * bound that overstates whenever clusters peak on different days). Pure: no I/O, no clock.
 *
 * Rules:
 * - **Covered days.** An archive covers the days on which it has at least one row (or, when its caller read
 *   an authoritative period from the snapshot, every day of that `coverage`). On a covered day, a product
 *   with no row counts 0 on that cluster (it did not run); a day no archive covers is *missing*: the sum for
 *   that day is unknown, not smaller. IBM's file has one row per product, metric and day, so a day without
 *   any row (between days that have rows) is a gap in the data (service down, data lost) rather than zero
 *   usage of everything: it is reported missing, never assumed 0. This errs towards "incomplete".
 * - **Newest archive wins** per cluster and day: a day covered by several archives takes all its rows from the
 *   newest one ({@link mergeArchives}).
 * - **Fallback.** A cluster with no covered day in the window still counts in `sum_of_cluster_peaks`, with its
 *   current `/products` peak (a 30-day peak, not the window's); it adds nothing to the daily sums, and the
 *   report is not `complete`.
 * - **Cloud Paks** count as their `/products` row: only `products_daily_*.csv` is read (bundled products
 *   live in other files of the snapshot), and `/products` rows are the fallback.
 * - **Product identity** is name, id and metric. A daily file without an `id` column gets the id that the
 *   other records (daily rows of any cluster, `/products`) give that name and metric, when exactly one is
 *   known; rows with the same identity and day in one archive are added up (as `/products` duplicates are).
 * - **Entitlements** (global, matched as `covers()` does) compare with `peak`, never the upper bound; an
 *   entitlement covering several rows (e.g. by name only) compares with the peak of their combined daily sum.
 */
import { covers, type Entitlement } from '../sources/entitlements.js'
import type { ClusterDaily, CurrentPeak } from './merge.js'
import { daysOf, type ReportWindow } from './period.js'

export { coveredDays, currentPeak, mergeArchives, type ClusterDaily, type CurrentPeak, type DailyArchive } from './merge.js'

/** One IBM cluster's input. */
export interface ClusterInput {
  cluster: string
  /** Merged daily data ({@link mergeArchives}); empty when it has no archive. */
  daily: ClusterDaily
  /** Its current `/products` peaks; used only when it has no daily data in the window. */
  current: readonly CurrentPeak[]
}

/** One cluster's part in a row. */
export interface ClusterPart {
  cluster: string
  /** Its own peak in the window (or its current `/products` peak, `source: 'products'`). */
  peak: number
  peak_date: string | null
  /** Its usage on the row's `peak_date`; null when it has no data for that day (or there is no peak date). */
  on_peak_date: number | null
  source: 'daily' | 'products'
}

/** Days of the window a cluster has no daily data for. */
export interface MissingDays {
  cluster: string
  days: string[]
}

/** One product and metric over all IBM clusters. */
export interface MulticlusterRow {
  product: string
  product_id: string
  /** License metric (`metricName`; the `unit` label of the metrics). */
  metric: string
  /** Highest daily sum over all clusters in the window; null when no cluster has a day of data in it. */
  peak: number | null
  /** Day of `peak` (the earliest, on a tie). */
  peak_date: string | null
  /** Sum of each cluster's own peak: an upper bound of `peak`. */
  sum_of_cluster_peaks: number
  /** False when some cluster lacks daily data for some day of the window: `peak` may understate. */
  complete: boolean
  /** Per cluster with gaps, the days it lacks. */
  missing: MissingDays[]
  /** Clusters that used the product in the window (or report it in `/products`, as fallback). */
  clusters: ClusterPart[]
  entitlement: number | null
  /** `entitlement - peak`. */
  remaining: number | null
  /** `peak <= entitlement`; null without an entitlement or a peak. */
  compliant: boolean | null
}

/** A cluster's coverage of the window. */
export interface ClusterCoverage {
  cluster: string
  /** `daily`: some day of the window covered; `products`: none, the current `/products` peaks stand in. */
  source: 'daily' | 'products'
  days_covered: number
  missing: string[]
}

/** The multicluster report for a window. */
export interface MulticlusterReport {
  from: string
  to: string
  /** Every cluster has daily data for every day of the window. */
  complete: boolean
  clusters: ClusterCoverage[]
  rows: MulticlusterRow[]
}

/** Input of {@link multiclusterReport}. */
export interface MulticlusterInput {
  window: ReportWindow
  clusters: readonly ClusterInput[]
  entitlements: readonly Entitlement[]
}

interface Identity { product: string, product_id: string, unit: string }
const keyOf = (i: Identity): string => `${i.product}\0${i.product_id}\0${i.unit}`
/** Sums of decimal quantities without binary noise (40.000000000001). */
const round = (n: number): number => Math.round(n * 1e6) / 1e6

/** Compute the report. */
export function multiclusterReport (input: MulticlusterInput): MulticlusterReport {
  const days = daysOf(input.window)
  const inWindow = new Set(days)

  // Ids for daily rows that lack one: the single id known for the name and metric.
  const ids = new Map<string, Set<string>>()
  const note = (name: string, unit: string, id: string): void => {
    if (id === '') return
    const k = `${name}\0${unit}`
    let s = ids.get(k)
    if (s === undefined) ids.set(k, (s = new Set()))
    s.add(id)
  }
  for (const c of input.clusters) {
    for (const [day, rows] of c.daily) if (inWindow.has(day)) for (const r of rows) note(r.productName, r.metric, r.productId)
    for (const u of c.current) note(u.product, u.unit, u.product_id)
  }
  const idFor = (name: string, unit: string, id: string): string => {
    if (id !== '') return id
    const s = ids.get(`${name}\0${unit}`)
    return s !== undefined && s.size === 1 ? [...s][0]! : ''
  }

  // Per cluster: covered days of the window, and per product the usage on each covered day.
  const identities = new Map<string, Identity>()
  const per = input.clusters.map(c => {
    const covered = days.filter(d => c.daily.has(d))
    const usage = new Map<string, Map<string, number>>()
    for (const day of covered) {
      for (const r of c.daily.get(day)!) {
        const id: Identity = { product: r.productName, product_id: idFor(r.productName, r.metric, r.productId), unit: r.metric }
        const k = keyOf(id)
        if (!identities.has(k)) identities.set(k, id)
        let byDay = usage.get(k)
        if (byDay === undefined) usage.set(k, (byDay = new Map()))
        byDay.set(day, round((byDay.get(day) ?? 0) + r.value))
      }
    }
    const fallback = new Map<string, CurrentPeak>()
    if (covered.length === 0) {
      for (const u of c.current) {
        const id: Identity = { product: u.product, product_id: idFor(u.product, u.unit, u.product_id), unit: u.unit }
        const k = keyOf(id)
        if (!identities.has(k)) identities.set(k, id)
        const prev = fallback.get(k)
        fallback.set(k, prev === undefined ? { ...u, ...id } : { ...prev, quantity: round(prev.quantity + u.quantity), peak_date: later(prev.peak_date, u.peak_date) })
      }
    }
    const coveredSet = new Set(covered)
    return { cluster: c.cluster, covered: coveredSet, usage, fallback, missing: days.filter(d => !coveredSet.has(d)) }
  })

  const coverage: ClusterCoverage[] = per.map(p => ({ cluster: p.cluster, source: p.covered.size > 0 ? 'daily' : 'products', days_covered: p.covered.size, missing: p.missing }))
  const missing: MissingDays[] = per.filter(p => p.missing.length > 0).map(p => ({ cluster: p.cluster, days: p.missing }))
  const complete = missing.length === 0
  const anyKnown = days.some(d => per.some(p => p.covered.has(d)))

  /** Daily sums of a set of identities over all clusters: undefined for days no cluster covers. */
  const dailySums = (keys: readonly string[]): Array<number | undefined> => days.map(d => {
    let known = false
    let sum = 0
    for (const p of per) {
      if (!p.covered.has(d)) continue
      known = true
      for (const k of keys) sum += p.usage.get(k)?.get(d) ?? 0
    }
    return known ? round(sum) : undefined
  })
  const peakOf = (sums: ReadonlyArray<number | undefined>): { peak: number | null, peak_date: string | null } => {
    let peak: number | null = null
    let date: string | null = null
    sums.forEach((s, i) => { if (s !== undefined && (peak === null || s > peak)) { peak = s; date = days[i]! } })
    return { peak, peak_date: date }
  }

  const rows = new Map<string, MulticlusterRow>()
  for (const [k, id] of identities) {
    const { peak, peak_date: peakDate } = peakOf(dailySums([k]))
    const clusters: ClusterPart[] = []
    for (const p of per) {
      const byDay = p.usage.get(k)
      if (byDay !== undefined) {
        const own = peakOf(days.map(d => (p.covered.has(d) ? byDay.get(d) ?? 0 : undefined)))
        const on = peakDate === null || !p.covered.has(peakDate) ? null : byDay.get(peakDate) ?? 0
        clusters.push({ cluster: p.cluster, peak: own.peak ?? 0, peak_date: own.peak_date, on_peak_date: on, source: 'daily' })
      } else {
        const f = p.fallback.get(k)
        if (f !== undefined) clusters.push({ cluster: p.cluster, peak: f.quantity, peak_date: f.peak_date, on_peak_date: null, source: 'products' })
      }
    }
    rows.set(k, {
      product: id.product, product_id: id.product_id, metric: id.unit, peak, peak_date: peakDate,
      sum_of_cluster_peaks: round(clusters.reduce((s, c) => s + c.peak, 0)),
      complete, missing, clusters, entitlement: null, remaining: null, compliant: null,
    })
  }

  for (const e of input.entitlements) {
    const matched = [...rows.entries()].filter(([, r]) => covers(e, { product: r.product, product_id: r.product_id, unit: r.metric }))
    if (matched.length === 0) {
      const peak = anyKnown ? 0 : null
      const row: MulticlusterRow = {
        product: e.product ?? '', product_id: e.product_id ?? '', metric: e.unit, peak, peak_date: null, sum_of_cluster_peaks: 0,
        complete, missing, clusters: [], entitlement: e.quota, remaining: peak === null ? null : e.quota, compliant: peak === null ? null : true,
      }
      rows.set(keyOf({ product: row.product, product_id: row.product_id, unit: row.metric }), row)
      continue
    }
    const combined = matched.length === 1 ? matched[0]![1].peak : peakOf(dailySums(matched.map(([k]) => k))).peak
    for (const [, r] of matched) {
      r.entitlement = e.quota
      r.remaining = combined === null ? null : round(e.quota - combined)
      r.compliant = combined === null ? null : combined <= e.quota
    }
  }

  return {
    from: input.window.from,
    to: input.window.to,
    complete,
    clusters: coverage,
    rows: [...rows.values()].sort((a, b) => a.product.localeCompare(b.product) || a.metric.localeCompare(b.metric) || a.product_id.localeCompare(b.product_id)),
  }
}

function later (a: string | null, b: string | null): string | null {
  if (a === null) return b
  if (b === null) return a
  return a > b ? a : b
}
