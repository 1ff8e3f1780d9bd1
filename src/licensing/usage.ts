/**
 * Usage over all IBM License Service clusters from the store: the `/products` records of each cluster and
 * the series of the global entitlements (quota, remaining and ratio of the sum, `cluster="_all"`). Pure.
 */
import { compare, comparisonSamples, usageKey as key, type Entitlement, type ProductUsage } from '../sources/entitlements.js'
import type { LabeledSample, Sample } from '../sources/types.js'
import type { ClusterState } from '../polling/store.js'

/** The source whose usage the report adds up. */
export const IBM_SOURCE = 'ibm_license_service'
/** `cluster` label value of the series for the sum over all IBM clusters (global entitlements). */
export const ALL_CLUSTERS = '_all'

/** The `/products` usage records of a cluster's samples, with their peak day as Unix seconds. */
export function usageOf (samples: readonly Sample[]): Array<ProductUsage & { peak: number | undefined }> {
  const peaks = new Map(samples.filter(s => s.metric === 'license_peak_timestamp_seconds').map(s => [key(labelsOf(s)), s.value]))
  return samples.filter(s => s.metric === 'license_usage').map(s => ({ ...labelsOf(s), quantity: s.value, peak: peaks.get(key(labelsOf(s))) }))
}

function labelsOf (s: Sample): { product: string, product_id: string, unit: string } {
  return { product: s.labels.product ?? '', product_id: s.labels.product_id ?? '', unit: s.labels.unit ?? '' }
}

/** Series for the global entitlements: quota, remaining and ratio of the sum over all IBM clusters. */
export function globalEntitlementSamples (clusters: readonly ClusterState[], entitlements: readonly Entitlement[]): LabeledSample[] {
  if (entitlements.length === 0) return []
  const usage = clusters.filter(c => c.id.type === IBM_SOURCE).flatMap(c => usageOf(c.samples))
  const base = { cluster: ALL_CLUSTERS, source: IBM_SOURCE }
  return compare(entitlements, usage).flatMap(c => comparisonSamples(c).map(s => ({ ...s, labels: { ...base, ...s.labels } })))
}
