/**
 * IBM License Service responses, built from shared/docs/ibm-license-service.md: several products and license
 * metrics, bundled products, health with unannotated pods, version, and a real zip audit snapshot.
 */
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

/** A realistic audit snapshot zip. */
export function snapshotZip (cluster: string): Buffer {
  return makeZip({
    'data_condition.txt': `License Service version: 4.2.9\ncluster: ${cluster}\nperiod: 2026-08-24 - 2026-11-22\n`,
    'products_daily_2026-08-24_2026-11-22.csv': 'date,name,id,metricName,metricQuantity,clusterId\n2026-11-20,IBM Cloud Pak for Integration,c8b82d18,VIRTUAL_PROCESSOR_CORE,16,sim\n',
    'checksum.txt': 'products_daily_2026-08-24_2026-11-22.csv 1a2b3c4d\n',
  })
}
