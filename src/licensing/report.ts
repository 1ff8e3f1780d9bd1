/**
 * The multicluster report IBM leaves manual: cumulative usage of every product and unit over all IBM License
 * Service clusters (the sum of the per-cluster peaks, an upper bound of the combined peak), with the
 * per-cluster breakdown and peak dates, the clusters that failed to report, and compliance with the global
 * entitlements. Built from the store, so it adds up to exactly what `/metrics` shows. Pure: no I/O.
 */
import { compare, comparisonSamples, covers, usageKey as key, type Entitlement, type ProductUsage } from '../sources/entitlements.js'
import { dateOrNull, isoOrNull as iso } from '../util/time.js'
import type { LabeledSample, Sample } from '../sources/types.js'
import type { ClusterState } from '../polling/store.js'

/** The source whose usage the report adds up. */
export const IBM_SOURCE = 'ibm_license_service'
/** `cluster` label value of the series for the sum over all IBM clusters (global entitlements). */
export const ALL_CLUSTERS = '_all'

/** One product and unit over all clusters. */
export interface ReportRow {
  product: string
  product_id: string
  unit: string
  /** Sum of the per-cluster peaks. */
  total: number
  clusters: Array<{ cluster: string, quantity: number, peak_date: string | null }>
  /** Global entitlement covering this row, if any; compliance compares it with all rows it covers. */
  entitlement: number | null
  remaining: number | null
  compliant: boolean | null
}

/** The report. */
export interface Report {
  generated_at: string
  clusters: Array<{ name: string, reporting: boolean, up: boolean | null, last_success: string | null, last_error_reason: string | null }>
  /** IBM clusters with no current data (never answered, or stale): their usage is unknown, not zero. */
  missing: string[]
  products: ReportRow[]
}

function usageOf (samples: readonly Sample[]): Array<ProductUsage & { peak: number | undefined }> {
  const peaks = new Map(samples.filter(s => s.metric === 'license_peak_timestamp_seconds').map(s => [key(labelsOf(s)), s.value]))
  return samples.filter(s => s.metric === 'license_usage').map(s => ({ ...labelsOf(s), quantity: s.value, peak: peaks.get(key(labelsOf(s))) }))
}

function labelsOf (s: Sample): { product: string, product_id: string, unit: string } {
  return { product: s.labels.product ?? '', product_id: s.labels.product_id ?? '', unit: s.labels.unit ?? '' }
}

/** Build the report from the clusters' current state. */
export function buildReport (clusters: readonly ClusterState[], entitlements: readonly Entitlement[], nowMs: number): Report {
  const ibm = clusters.filter(c => c.id.type === IBM_SOURCE)
  const rows = new Map<string, ReportRow>()
  const all: ProductUsage[] = []
  for (const c of ibm) {
    for (const u of usageOf(c.samples)) {
      all.push(u)
      const k = key(u)
      let row = rows.get(k)
      if (row === undefined) {
        row = { product: u.product, product_id: u.product_id, unit: u.unit, total: 0, clusters: [], entitlement: null, remaining: null, compliant: null }
        rows.set(k, row)
      }
      row.total += u.quantity
      row.clusters.push({ cluster: c.id.name, quantity: u.quantity, peak_date: dateOrNull(u.peak) })
    }
  }
  const comparisons = compare(entitlements, all)
  entitlements.forEach((e, i) => {
    const cmp = comparisons[i]!
    let matched = false
    for (const row of rows.values()) {
      if (!covers(e, row)) continue
      matched = true
      row.entitlement = e.quota
      row.remaining = cmp.remaining ?? e.quota
      row.compliant = (cmp.usage ?? 0) <= e.quota
    }
    if (!matched) {
      rows.set(key(cmp), { product: cmp.product, product_id: cmp.product_id, unit: cmp.unit, total: 0, clusters: [], entitlement: e.quota, remaining: e.quota, compliant: true })
    }
  })
  const products = [...rows.values()].sort((a, b) => a.product.localeCompare(b.product) || a.unit.localeCompare(b.unit) || a.product_id.localeCompare(b.product_id))
  return {
    generated_at: new Date(nowMs).toISOString(),
    clusters: ibm.map(c => ({
      name: c.id.name, reporting: c.samples.length > 0, up: c.up ?? null, last_success: iso(c.lastSuccessMs), last_error_reason: c.lastError?.reason ?? null,
    })),
    missing: ibm.filter(c => c.samples.length === 0).map(c => c.id.name),
    products,
  }
}

/** Series for the global entitlements: quota, remaining and ratio of the sum over all IBM clusters. */
export function globalEntitlementSamples (clusters: readonly ClusterState[], entitlements: readonly Entitlement[]): LabeledSample[] {
  if (entitlements.length === 0) return []
  const usage = clusters.filter(c => c.id.type === IBM_SOURCE).flatMap(c => usageOf(c.samples))
  const base = { cluster: ALL_CLUSTERS, source: IBM_SOURCE }
  return compare(entitlements, usage).flatMap(c => comparisonSamples(c).map(s => ({ ...s, labels: { ...base, ...s.labels } })))
}

/** One CSV field (RFC 4180); text that a spreadsheet would run as a formula is prefixed with `'`. */
export function csvField (value: string | number | boolean | null): string {
  if (value === null) return ''
  if (typeof value !== 'string') return String(value)
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** The report as CSV: one row per product and unit, one column per IBM cluster (empty: no usage reported). */
export function reportCsv (report: Report): string {
  const names = report.clusters.map(c => c.name)
  const header = ['product', 'product_id', 'unit', 'total', 'entitlement', 'remaining', 'compliant',
    ...report.clusters.map(c => (c.reporting ? c.name : `${c.name} (missing)`))]
  const lines = [header.map(csvField).join(',')]
  for (const row of report.products) {
    const per = new Map(row.clusters.map(c => [c.cluster, c.quantity]))
    lines.push([row.product, row.product_id, row.unit, row.total, row.entitlement, row.remaining, row.compliant, ...names.map(n => per.get(n) ?? null)].map(csvField).join(','))
  }
  return `${lines.join('\r\n')}\r\n`
}
