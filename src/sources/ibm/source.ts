/**
 * IBM License Service (shared/docs/ibm-license-service.md). One poll reads, in parallel under one deadline,
 * `/products` (required), `/bundled_products`, `/health` and `/version` (optional: a failure there degrades
 * only their series). Auth: `?token=` (default) or `Authorization: Bearer`. Tokens travel in URLs here, so
 * nothing logs a request URL unredacted.
 */
import { z } from 'zod'
import { clusterBaseShape, duration } from '../cluster.js'
import { compare, entitlementsSchema, type ProductUsage } from '../entitlements.js'
import { toUnixSeconds } from '../../util/time.js'
import { decodeJson, optionalPart } from '../decode.js'
import { httpGet, type HttpResponse } from '../http.js'
import type { PartFailure, PollContext, PollOutcome, Sample, Source } from '../types.js'

/** Opt-in archive of the audit snapshot (`/snapshot`). */
export const snapshotSchema = z.strictObject({
  directory: z.string().min(1),
  interval: duration.default(24 * 3_600_000),
  keep: z.int().min(1).default(30),
  timeout: duration.default(5 * 60_000),
  max_bytes: z.int().positive().default(64 * 1024 * 1024),
})
export type SnapshotConfig = z.output<typeof snapshotSchema>

/** Cluster entry of type `ibm_license_service`. */
export const ibmClusterSchema = z.strictObject({
  ...clusterBaseShape,
  type: z.literal('ibm_license_service'),
  auth: z.enum(['url_token', 'bearer']).default('url_token'),
  entitlements: entitlementsSchema.default([]),
  snapshot: snapshotSchema.optional(),
})
export type IbmCluster = z.output<typeof ibmClusterSchema>

const text = z.string().nullish()
const num = z.number().nullish()

/** `/products`: one record per product and license metric. */
export const productsSchema = z.array(z.object({
  name: text,
  id: text,
  metricPeakDate: text,
  metricQuantity: num,
  metricName: text,
}))

/** `/bundled_products` (field names from a client: tolerant). */
export const bundledSchema = z.array(z.object({
  productName: text,
  productId: text,
  cloudpakId: text,
  cloudpakMetricName: text,
  metricName: text,
  metricPeakDate: text,
  metricMeasuredQuantity: num,
  metricConversion: text,
  metricConvertedQuantity: num,
}))

const podSchema = z.object({ name: text, namespace: text })
/** `/health` (inferred shape): pods with incomplete licensing annotations. */
export const healthSchema = z.object({
  count: num,
  incompleteAnnotations: z.object({ count: num, pods: z.array(podSchema).nullish() }).nullish(),
})

/** `/version` (inferred shape). */
export const versionSchema = z.object({ version: text, buildDate: text, commit: text })

/** Usage records of `/products`; records without a name or quantity are skipped, duplicates summed. */
export function productUsage (records: z.output<typeof productsSchema>): Array<ProductUsage & { peak: number | undefined }> {
  const out = new Map<string, ProductUsage & { peak: number | undefined }>()
  for (const r of records) {
    if (typeof r.metricQuantity !== 'number' || r.name === null || r.name === undefined) continue
    const key = `${r.name}\0${r.id ?? ''}\0${r.metricName ?? ''}`
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
  for (const c of compare(entitlements, usage)) {
    const labels = { product: c.product, product_id: c.product_id, unit: c.unit }
    out.push({ metric: 'license_quota', labels, value: c.quota })
    if (c.remaining !== undefined) out.push({ metric: 'license_remaining', labels, value: c.remaining })
    if (c.ratio !== undefined) out.push({ metric: 'license_usage_ratio', labels, value: c.ratio })
  }
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

/** Request options for the cluster's auth scheme. */
export function authFor (auth: IbmCluster['auth'], token: string | undefined): { query: Record<string, string>, headers: Record<string, string> } {
  if (token === undefined) return { query: {}, headers: {} }
  return auth === 'bearer' ? { query: {}, headers: { authorization: `Bearer ${token}` } } : { query: { token }, headers: {} }
}

async function poll (cluster: IbmCluster, ctx: PollContext): Promise<PollOutcome> {
  const auth = authFor(cluster.auth, ctx.token)
  const get = (path: string, authed = true): Promise<HttpResponse> => httpGet(ctx.http, {
    path,
    query: authed ? auth.query : {},
    headers: { accept: 'application/json', ...(authed ? auth.headers : {}) },
    signal: ctx.signal,
  })
  const [products, bundled, health, version] = await Promise.all([
    get('/products').then(r => decodeJson(r, productsSchema, 'products')),
    optionalPart(get('/bundled_products').then(r => decodeJson(r, bundledSchema, 'bundled_products'))),
    optionalPart(get('/health').then(r => decodeJson(r, healthSchema, 'health'))),
    // /version needs no authentication: do not send the token there.
    optionalPart(get('/version', false).then(r => decodeJson(r, versionSchema, 'version'))),
  ])
  const samples = mapProducts(products, cluster.entitlements)
  const partFailures: PartFailure[] = []
  const fail = (part: string, e: { reason: PartFailure['reason'], message: string }): void => { partFailures.push({ part, reason: e.reason, message: e.message }) }
  if (bundled.ok) samples.push(...mapBundled(bundled.value))
  else fail('bundled_products', bundled.error)
  if (health.ok) {
    const n = unannotatedPods(health.value)
    if (n !== undefined) samples.push({ metric: 'license_unannotated_pods', labels: {}, value: n })
  } else {
    fail('health', health.error)
  }
  samples.push({ metric: 'license_cluster_healthy', labels: {}, value: version.ok ? 1 : 0 })
  if (version.ok) {
    samples.push({ metric: 'license_info', labels: { license_name: '', license_type: '', license_status: '', account: '', version: version.value.version ?? '' }, value: 1 })
  } else {
    fail('version', version.error)
  }
  return { samples, partFailures, endpoints: { products: true, bundled_products: bundled.ok, health: health.ok, version: version.ok } }
}

/** The IBM License Service source. */
export const ibmSource: Source<typeof ibmClusterSchema> = {
  type: 'ibm_license_service',
  schema: ibmClusterSchema,
  poll,
}
