/**
 * The multicluster report as CSV (RFC 4180, CRLF): one row per product and metric with the same figures as
 * the JSON, then three columns per IBM cluster (its own peak, its peak date, its usage on the row's
 * `peak_date`). Fields go through `csvField`, which quotes and defuses spreadsheet formulas.
 */
import type { MulticlusterReport } from './multicluster.js'
import type { ClusterCoverage, MulticlusterRow } from './report-shape.js'
import { windowDays } from './period.js'

/** One CSV field (RFC 4180); text that a spreadsheet would run as a formula is prefixed with `'`. */
export function csvField (value: string | number | boolean | null): string {
  if (value === null) return ''
  if (typeof value !== 'string') return String(value)
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** Fixed leading columns, in order. */
export const MULTICLUSTER_CSV_COLUMNS = [
  'product', 'product_id', 'metric', 'peak', 'peak_date', 'sum_of_cluster_peaks', 'complete',
  'entitlement', 'remaining', 'compliant', 'from', 'to', 'missing',
] as const

/**
 * The gaps of a row ('' when complete): each cluster that lacks days, with the count of its days no archive
 * covers and, for this product only, its own days (`a: 92 days; b: 2026-03-01`).
 */
function missingText (coverage: ReadonlyMap<string, ClusterCoverage>, row: MulticlusterRow, windowDays: number): string {
  const own = new Map(row.missing.map(m => [m.cluster, m.days]))
  return row.missing_clusters.map(name => {
    const c = coverage.get(name)
    const parts = [...(c !== undefined && c.days_covered < windowDays ? [`${windowDays - c.days_covered} days`] : []), ...(c?.unreadable ?? []), ...(own.get(name) ?? [])]
    return `${name}: ${parts.join(' ')}`
  }).join('; ')
}

/** Render the report as CSV. */
export function multiclusterCsv (report: MulticlusterReport): string {
  return [...csvLines(report)].join('')
}

/** The CSV line by line (each with its CRLF), for a response streamed as it is written. */
export function * csvLines (report: MulticlusterReport): Generator<string> {
  const names = report.clusters.map(c => c.cluster)
  const days = windowDays(report)
  const coverage = new Map(report.clusters.map(c => [c.cluster, c]))
  const header = [...MULTICLUSTER_CSV_COLUMNS, ...names.flatMap(n => [`${n} peak`, `${n} peak_date`, `${n} on peak_date`])]
  yield `${header.map(csvField).join(',')}\r\n`
  for (const r of report.rows) {
    const parts = new Map(r.clusters.map(c => [c.cluster, c]))
    yield `${[
      r.product, r.product_id, r.metric, r.peak, r.peak_date, r.sum_of_cluster_peaks, r.complete,
      r.entitlement, r.remaining, r.compliant, report.from, report.to, missingText(coverage, r, days),
      ...names.flatMap(n => {
        const c = parts.get(n)
        return c === undefined ? [null, null, null] : [c.peak, c.peak_date, c.on_peak_date]
      }),
    ].map(csvField).join(',')}\r\n`
  }
}
