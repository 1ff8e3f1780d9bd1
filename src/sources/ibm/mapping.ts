/** IBM License Service responses mapped to samples. Pure: tested on recorded fixtures. */
import type { z } from 'zod'
import { compare, comparisonSamples, usageKey, type ProductUsage } from '../entitlements.js'
import type { Sample } from '../types.js'
import { toUnixSeconds } from '../../util/time.js'
import type { bundledSchema, healthSchema, IbmCluster, productsSchema } from './schema.js'

/** Usage records of `/products`; records without a name or quantity are skipped, duplicates summed. */
export function productUsage (records: z.output<typeof productsSchema>): Array<ProductUsage & { peak: number | undefined }> {
  const out = new Map<string, ProductUsage & { peak: number | undefined }>()
  for (const r of records) {
    if (typeof r.metricQuantity !== 'number' || r.name === null || r.name === undefined) continue
    const key = usageKey({ product: r.name, product_id: r.id ?? '', unit: r.metricName ?? '' })
    const peak = toUnixSeconds(r.metricPeakDate)
    const prev = out.get(key)
    if (prev !== undefined) {
      prev.quantity += r.metricQuantity
      if (peak !== undefined && (prev.peak === undefined || peak > prev.peak)) prev.peak = peak
    } else {
      out.set(key, { product: r.name, product_id: r.id ?? '', unit: r.metricName ?? '', quantity: r.metricQuantity, peak })
    }
  }
  return [...out.values()]
}

/** Map `/products` and the cluster's entitlements to samples. Pure. */
export function mapProducts (records: z.output<typeof productsSchema>, entitlements: IbmCluster['entitlements']): Sample[] {
  const usage = productUsage(records)
  const out: Sample[] = []
  for (const u of usage) {
    const labels = { product: u.product, product_id: u.product_id, unit: u.unit }
    out.push({ metric: 'license_usage', labels, value: u.quantity })
    if (u.peak !== undefined) out.push({ metric: 'license_peak_timestamp_seconds', labels, value: u.peak })
  }
  for (const c of compare(entitlements, usage)) out.push(...comparisonSamples(c))
  return out
}

/** Map `/bundled_products` to samples. Pure. */
export function mapBundled (records: z.output<typeof bundledSchema>): Sample[] {
  const out = new Map<string, Sample>()
  for (const r of records) {
    if (typeof r.metricConvertedQuantity !== 'number') continue
    const labels = {
      cloudpak_id: r.cloudpakId ?? '', cloudpak_metric: r.cloudpakMetricName ?? '',
      product: r.productName ?? '', product_id: r.productId ?? '', unit: r.metricName ?? '',
    }
    const key = Object.values(labels).join('\0')
    const prev = out.get(key)
    out.set(key, { metric: 'license_bundled_usage', labels, value: (prev?.value ?? 0) + r.metricConvertedQuantity })
  }
  return [...out.values()]
}

/** Pods with incomplete annotations: the length of the list where sent, else a count. */
export function unannotatedPods (health: z.output<typeof healthSchema>): number | undefined {
  const pods = health.incompleteAnnotations?.pods
  if (Array.isArray(pods)) return pods.length
  return health.incompleteAnnotations?.count ?? health.count ?? undefined
}
