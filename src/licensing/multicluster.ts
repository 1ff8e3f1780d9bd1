/**
 * IBM's highest multicluster usage (shared/docs/ibm-license-service.md, "Multicluster"): per product and
 * license metric, **the highest daily sum of used metric units on all clusters within the reporting
 * period**, from each cluster's `products_daily_*.csv`, beside the sum of the per-cluster peaks (an upper
 * bound that overstates whenever clusters peak on different days). The computation is
 * {@link ReportBuilder}; this file holds the report's shape and an in-memory entry point.
 *
 * Rules:
 * - **Covered days.** An archive covers the days on which it has at least one row. On a covered day, a
 *   product with no row counts 0 on that cluster (it did not run); a day no archive covers is *missing*: the
 *   sum for that day is unknown, not smaller. A day without any row (between days that have rows) is a gap
 *   in the data, reported missing, never assumed 0.
 * - **Unreadable rows.** A row that cannot be read makes its product (or, when the product cannot be read,
 *   every product) on its day (or, when the day cannot be read, every day the archive is the source of)
 *   **unknown** on that cluster: listed in `missing`, never counted as 0.
 * - **Newest archive wins** per cluster and day (resolved by the evidence index).
 * - **Fallback.** A cluster with no covered day in the window still counts in `sum_of_cluster_peaks`, with its
 *   current `/products` peak (a 30-day peak, not the window's); it adds nothing to the daily sums, and the
 *   report is not `complete`.
 * - **Cloud Paks** count as their `/products` row: only `products_daily` CSVs are read.
 * - **Product identity** is name, id and metric (identity.ts); rows with the same identity and day in one
 *   archive are added up (as `/products` duplicates are).
 * - **Entitlements** (global, matched as `covers()` does) compare with `peak`, never the upper bound: `compliant`
 *   is false when the known peak is over the entitlement. When part of the usage is known only from
 *   `/products` fallback clusters, the peak may understate: `compliant` is then true only if even the upper
 *   bound is within the entitlement, else null (unknown). An entitlement covering several rows compares with
 *   the peak of their combined daily sum.
 */
import type { Entitlement } from '../sources/entitlements.js'
import type { ClusterDaily, CurrentPeak } from './merge.js'
import { dayStartMs, type ReportWindow } from './period.js'
import { ALL_PRODUCTS, ReportBuilder } from './report-builder.js'
import type { MulticlusterReport } from './report-shape.js'
import type { Identity } from './identity.js'

export { coveredDays, currentPeak, mergeArchives, type ClusterDaily, type CurrentPeak, type DailyArchive } from './merge.js'
export type { ClusterCoverage, ClusterPart, MissingDays, MulticlusterReport, MulticlusterRow } from './report-shape.js'

/** One IBM cluster's input, in memory. */
export interface ClusterInput {
  cluster: string
  /** Merged daily data ({@link mergeArchives}); empty when it has no archive. */
  daily: ClusterDaily
  /** Its current `/products` peaks; used only when it has no daily data in the window. */
  current: readonly CurrentPeak[]
  /** Unreadable usage: day to the identities unknown that day (`'*'`: every product). */
  unknown?: ReadonlyMap<string, ReadonlySet<string>>
}

/** Input of {@link multiclusterReport}. */
export interface MulticlusterInput {
  window: ReportWindow
  clusters: readonly ClusterInput[]
  entitlements: readonly Entitlement[]
}

const DAY_MS = 86_400_000

/** Compute the report from data held in memory (tests, and the definition of the figures). */
export function multiclusterReport (input: MulticlusterInput): MulticlusterReport {
  const raws = new Map<string, number>()
  const ids: Identity[] = [{ product: '', product_id: '', unit: '' }]
  const rawOf = (name: string, id: string, unit: string): number => {
    const k = `${name}\0${id}\0${unit}`
    let r = raws.get(k)
    if (r === undefined) { r = ids.length; ids.push({ product: name, product_id: id, unit }); raws.set(k, r) }
    return r
  }
  const builder = new ReportBuilder(input.window, raw => ids[raw]!)
  const start = dayStartMs(input.window.from)
  const index = (day: string): number => Math.round((dayStartMs(day) - start) / DAY_MS)
  const n = builder.days.length
  const values = new Map<string, Map<string, number>>()
  for (const c of input.clusters) {
    const covered = new Uint8Array(n)
    const byKey = new Map<string, number>()
    for (const [day, list] of c.daily) {
      const d = index(day)
      if (d < 0 || d >= n) continue
      covered[d] = 1
      for (const r of list) {
        const k = `${rawOf(r.productName, r.productId, r.metric)}:${d}`
        byKey.set(k, (byKey.get(k) ?? 0) + r.value)
      }
    }
    values.set(c.cluster, byKey)
    const rows = [...byKey].map(([k, v]) => { const [raw, d] = k.split(':').map(Number) as [number, number]; return [d, raw, v] as const })
    const unknown = new Map<number, Set<number>>()
    for (const [day, names] of c.unknown ?? []) {
      const d = index(day)
      if (d >= 0 && d < n) unknown.set(d, new Set([...names].map(k => k === '*' ? ALL_PRODUCTS : rawOf(...(k.split('\0') as [string, string, string])))))
    }
    builder.add({ cluster: c.cluster, covered, unknown, rows, current: c.current })
  }
  return builder.finish(input.entitlements, (cluster, list, d) => list.reduce((s, raw) => s + (values.get(cluster)?.get(`${raw}:${d}`) ?? 0), 0))
}
