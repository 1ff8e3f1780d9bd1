/**
 * Builds IBM `products_daily_*.csv` text for simulated clusters and tests: given daily values per product,
 * one row per product, metric and day, in IBM's column set (`name,id,metricName,metricQuantityDate,
 * metricQuantity` plus a `clusterId` column the parser must ignore).
 */

/** One product's daily values on one cluster. */
export interface DailySeries {
  name: string
  id?: string
  metricName: string
  /** Day (`YYYY-MM-DD`) to quantity; days left out get no row (the product did not run). */
  values: Record<string, number>
}

/** Options of {@link productsDailyCsv}. */
export interface DailyCsvOptions {
  /** `iso`: `2020-03-01` (default); `us`: IBM's documented `3/1/2020`. */
  dateFormat?: 'iso' | 'us'
  /** Line ending (default CRLF, as IBM's files). */
  eol?: '\r\n' | '\n'
  /** Value of the extra `clusterId` column. */
  clusterId?: string
}

const q = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)

/** `YYYY-MM-DD` to `M/D/YYYY`. */
export function usDate (iso: string): string {
  return `${Number(iso.slice(5, 7))}/${Number(iso.slice(8, 10))}/${iso.slice(0, 4)}`
}

/** The CSV text: rows ordered by day, then product. */
export function productsDailyCsv (series: readonly DailySeries[], opts: DailyCsvOptions = {}): string {
  const eol = opts.eol ?? '\r\n'
  const lines = ['name,id,metricName,metricQuantityDate,metricQuantity,clusterId']
  const rows: Array<{ day: string, line: string }> = []
  for (const s of series) {
    for (const [day, v] of Object.entries(s.values)) {
      const date = opts.dateFormat === 'us' ? usDate(day) : day
      rows.push({ day, line: [q(s.name), q(s.id ?? ''), q(s.metricName), date, String(v), q(opts.clusterId ?? '')].join(',') })
    }
  }
  rows.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0))
  return lines.concat(rows.map(r => r.line)).join(eol) + eol
}

/** File name IBM gives the report: `products_daily_<from>_<to>_<host>.csv`. */
export function productsDailyName (from: string, to: string, host: string): string {
  return `products_daily_${from}_${to}_${host.replace(/[^A-Za-z0-9.-]/g, '-')}.csv`
}

/** The `n` days ending with `to` (inclusive), oldest first. */
export function daysEnding (to: string, n: number): string[] {
  const end = Date.parse(`${to}T00:00:00Z`)
  return Array.from({ length: n }, (_, i) => new Date(end - (n - 1 - i) * 86_400_000).toISOString().slice(0, 10))
}

/**
 * Realistic daily values: a `base` level with a small weekly ripple and one `peak` on `peakDay` (an index
 * into `days`); different `peakDay`s per cluster make IBM's figure (highest daily sum) visibly lower than
 * the sum of the per-cluster peaks. Values stay within 0..`peak`.
 */
export function peakingValues (days: readonly string[], base: number, peak: number, peakDay: number): Record<string, number> {
  const out: Record<string, number> = {}
  days.forEach((d, i) => { out[d] = i === peakDay ? peak : Math.max(0, Math.min(peak, base + ((i * 7) % 5) - 2)) })
  return out
}
