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

/** A list of entitlements; two entries may not cover the same product and unit. */
export const entitlementsSchema = z.array(entitlementSchema).superRefine((list, ctx) => {
  const seen = new Map<string, number>()
  list.forEach((e, i) => {
    const key = `${e.product ?? ''}\0${e.product_id ?? ''}\0${e.unit}`
    const first = seen.get(key)
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i], message: `same product and unit as entitlements[${first}]` })
    else seen.set(key, i)
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
      ratio: total === undefined || e.quota === 0 ? undefined : total / e.quota,
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
