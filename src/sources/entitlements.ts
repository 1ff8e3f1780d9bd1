/**
 * Entitlements: what was bought, per product and unit. Compared with IBM usage to give quota, remaining and
 * ratio series (per cluster, or for the sum over all IBM clusters), so the same alerts cover both vendors.
 */
import { z } from 'zod'
import type { Sample } from './types.js'

/** One entitlement: a product by name or id (or both), a unit (IBM `metricName`) and the quota bought. */
export const entitlementSchema = z.strictObject({
  product: z.string().min(1).optional(),
  product_id: z.string().min(1).optional(),
  unit: z.string().min(1),
  quota: z.number().nonnegative(),
}).refine(e => e.product !== undefined || e.product_id !== undefined, { message: 'set product or product_id (or both)' })
export type Entitlement = z.output<typeof entitlementSchema>

/**
 * Whether two entitlements can cover the same usage record: same unit, and neither their product names nor
 * their product ids tell them apart (one by `product` and one by `product_id` may both match one record).
 */
export function overlap (a: Entitlement, b: Entitlement): boolean {
  if (a.unit !== b.unit) return false
  if (a.product !== undefined && b.product !== undefined && a.product !== b.product) return false
  if (a.product_id !== undefined && b.product_id !== undefined && a.product_id !== b.product_id) return false
  return true
}

/** A list of entitlements; two entries may not cover the same record (both paths are named). */
export const entitlementsSchema = z.array(entitlementSchema).superRefine((list, ctx) => {
  list.forEach((e, i) => {
    const first = list.findIndex((other, j) => j < i && overlap(other, e))
    if (first >= 0) ctx.addIssue({ code: 'custom', path: [i], message: `covers the same product and unit as entitlements[${first}] (one record would count against both)` })
  })
})

/** Usage of one product and unit. */
export interface ProductUsage {
  product: string
  product_id: string
  unit: string
  quantity: number
}

/** The identity of a usage record: product name, product id and unit. */
export function usageKey (u: { product: string, product_id: string, unit: string }): string {
  return `${u.product}\0${u.product_id}\0${u.unit}`
}

/** Whether an entitlement covers a usage record: unit equal, and product name or id equal where given. */
export function covers (e: Entitlement, u: { product: string, product_id: string, unit: string }): boolean {
  if (e.unit !== u.unit) return false
  if (e.product_id !== undefined && e.product_id !== u.product_id) return false
  if (e.product !== undefined && e.product !== u.product) return false
  return true
}

/**
 * Usage as a fraction of a quota. A quota of 0 with usage is `+Inf` (over what was bought, so the over-quota
 * alert fires); no usage against a quota of 0 is 0.
 */
export function usageRatio (usage: number, quota: number): number {
  if (quota === 0) return usage > 0 ? Number.POSITIVE_INFINITY : 0
  return usage / quota
}

/** An entitlement's comparison with usage. `usage` is undefined when no usage record matched. */
export interface Comparison {
  product: string
  product_id: string
  unit: string
  quota: number
  usage: number | undefined
  remaining: number | undefined
  ratio: number | undefined
}

/**
 * Compare each entitlement with the usage records it covers (summed). Labels come from the matched usage
 * where there is one (so they equal the `license_usage` series), else from the entitlement.
 */
export function compare (entitlements: readonly Entitlement[], usage: readonly ProductUsage[]): Comparison[] {
  return entitlements.map(e => {
    const matched = usage.filter(u => covers(e, u))
    const first = matched[0]
    const total = matched.length === 0 ? undefined : matched.reduce((sum, u) => sum + u.quantity, 0)
    return {
      product: first?.product ?? e.product ?? '',
      product_id: first?.product_id ?? e.product_id ?? '',
      unit: e.unit,
      quota: e.quota,
      usage: total,
      remaining: total === undefined ? undefined : e.quota - total,
      ratio: total === undefined ? undefined : usageRatio(total, e.quota),
    }
  })
}

/** The quota, remaining and ratio series of a comparison (labels: product, product_id, unit). */
export function comparisonSamples (c: Comparison): Sample[] {
  const labels = { product: c.product, product_id: c.product_id, unit: c.unit }
  const out: Sample[] = [{ metric: 'license_quota', labels, value: c.quota }]
  if (c.remaining !== undefined) out.push({ metric: 'license_remaining', labels, value: c.remaining })
  if (c.ratio !== undefined) out.push({ metric: 'license_usage_ratio', labels, value: c.ratio })
  return out
}
