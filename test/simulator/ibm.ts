/**
 * IBM License Service responses, built from shared/docs/ibm-license-service.md: several products and license
 * metrics, bundled products, health with unannotated pods, version, and a real zip audit snapshot.
 */
import { daysEnding, peakingValues, productsDailyCsv, productsDailyName } from './daily.js'
import { makeZip } from './zip.js'

/** A `/products` record. */
export interface ProductRecord {
  name?: string | null
  id?: string | null
  metricPeakDate?: string | null
  metricQuantity?: number | null
  metricName?: string | null
}

/** Products of a typical Cloud Pak cluster; `scale` multiplies the quantities. */
export function products (scale = 1): ProductRecord[] {
  return [
    { name: 'IBM Cloud Pak for Integration', id: 'c8b82d189e7545f0892db9ef2731b90d', metricPeakDate: '2026-11-20', metricQuantity: 16 * scale, metricName: 'VIRTUAL_PROCESSOR_CORE' },
    { name: 'IBM API Connect Enterprise', id: '2c717d4ecc924aa5ac345015b55492eb', metricPeakDate: '2026-11-18', metricQuantity: 8 * scale, metricName: 'VIRTUAL_PROCESSOR_CORE' },
    { name: 'IBM API Connect Enterprise', id: '2c717d4ecc924aa5ac345015b55492eb', metricPeakDate: '2026-11-02', metricQuantity: 3360 * scale, metricName: 'PROCESSOR_VALUE_UNIT' },
    { name: 'IBM MQ Advanced', id: '208423bb063c43288328b1d788745b0c', metricPeakDate: '2026-11-21', metricQuantity: 4 * scale, metricName: 'VIRTUAL_PROCESSOR_CORE' },
  ]
}

/** `/bundled_products` records of the Cloud Pak above. */
export function bundledProducts (): Array<Record<string, unknown>> {
  return [
    { productName: 'IBM App Connect Enterprise', productId: '2cba508800504d0abfa48a0e2c6fbf2a', cloudpakId: 'c8b82d189e7545f0892db9ef2731b90d', cloudpakVersion: '2023.4.1', cloudpakMetricName: 'VIRTUAL_PROCESSOR_CORE', metricName: 'VIRTUAL_PROCESSOR_CORE', metricPeakDate: '2026-11-20', metricMeasuredQuantity: 6, metricConversion: '1:3', metricConvertedQuantity: 2 },
    { productName: 'IBM MQ', productId: 'c661609261d5471fb4ff8970a36bccea', cloudpakId: 'c8b82d189e7545f0892db9ef2731b90d', cloudpakVersion: '2023.4.1', cloudpakMetricName: 'VIRTUAL_PROCESSOR_CORE', metricName: 'VIRTUAL_PROCESSOR_CORE', metricPeakDate: '2026-11-19', metricMeasuredQuantity: 14, metricConversion: '1:1', metricConvertedQuantity: 14 },
  ]
}

/** `/health` with `n` pods whose annotations are incomplete. */
export function health (n: number): Record<string, unknown> {
  const pods = Array.from({ length: n }, (_, i) => ({ name: `unannotated-${i}-7d9f8c6b5-x2x${i}`, namespace: 'apps' }))
  return { incompleteAnnotations: { count: n, pods }, count: n }
}

/** The HTML error page License Service answers with. */
export const HTML_UNAUTHORIZED = '<html><body><h1>Error</h1><div>Message: <b>Unauthorized</b></div></body></html>'

/** Days of daily data a simulated snapshot holds (License Service keeps a rolling window). */
export const SNAPSHOT_DAYS = 90

/**
 * A realistic audit snapshot zip: `products_daily_<from>_<to>_<cluster>.csv` with a row per product, metric and
 * day for the last {@link SNAPSHOT_DAYS} days up to `todayMs`, each product peaking at its `/products`
 * quantity on day index `peakDay` (so clusters with different `peakDay`s peak on different days).
 */
export function snapshotZip (cluster: string, opts: { records?: readonly ProductRecord[], peakDay?: number, todayMs?: number } = {}): Buffer {
  const to = new Date(opts.todayMs ?? Date.now()).toISOString().slice(0, 10)
  const days = daysEnding(to, SNAPSHOT_DAYS)
  const from = days[0] ?? to
  const series = (opts.records ?? products()).flatMap(r => {
    if (typeof r.metricQuantity !== 'number' || typeof r.name !== 'string') return []
    const peak = r.metricQuantity
    return [{ name: r.name, id: r.id ?? '', metricName: r.metricName ?? '', values: peakingValues(days, Math.round(peak * 0.6), peak, opts.peakDay ?? SNAPSHOT_DAYS - 8) }]
  })
  const daily = productsDailyName(from, to, cluster)
  return makeZip({
    'data_condition.txt': `License Service version: 4.2.9\ncluster: ${cluster}\nperiod: ${from} - ${to}\n`,
    [daily]: productsDailyCsv(series, { clusterId: cluster }),
    'checksum.txt': `${daily} 1a2b3c4d\n`,
  })
}
