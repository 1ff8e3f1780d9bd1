/**
 * The multicluster report as CSV (RFC 4180, CRLF): one row per product and metric with the same figures as
 * the JSON, then three columns per IBM cluster (its own peak, its peak date, its usage on the row's
 * `peak_date`). Fields go through `csvField`, which quotes and defuses spreadsheet formulas.
 */
import type { MulticlusterReport } from './multicluster.js'

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

/** `cluster: day day; cluster: day` for the missing days of a row ('' when complete). */
function missingText (missing: MulticlusterReport['rows'][number]['missing']): string {
  return missing.map(m => `${m.cluster}: ${m.days.join(' ')}`).join('; ')
}

/** Render the report as CSV. */
export function multiclusterCsv (report: MulticlusterReport): string {
  const names = report.clusters.map(c => c.cluster)
  const header = [...MULTICLUSTER_CSV_COLUMNS, ...names.flatMap(n => [`${n} peak`, `${n} peak_date`, `${n} on peak_date`])]
  const lines = [header.map(csvField).join(',')]
  for (const r of report.rows) {
    const parts = new Map(r.clusters.map(c => [c.cluster, c]))
    lines.push([
      r.product, r.product_id, r.metric, r.peak, r.peak_date, r.sum_of_cluster_peaks, r.complete,
      r.entitlement, r.remaining, r.compliant, report.from, report.to, missingText(r.missing),
      ...names.flatMap(n => {
        const c = parts.get(n)
        return c === undefined ? [null, null, null] : [c.peak, c.peak_date, c.on_peak_date]
      }),
    ].map(csvField).join(','))
  }
  return `${lines.join('\r\n')}\r\n`
}
