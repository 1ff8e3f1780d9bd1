/**
 * IBM License Service (shared/docs/ibm-license-service.md). One poll reads, in parallel under one deadline,
 * `/products` (required), `/bundled_products`, `/health` and `/version` (optional: a failure there degrades
 * only their series). Auth: `?token=` (default) or `Authorization: Bearer`. Tokens travel in URLs here, so
 * nothing logs a request URL unredacted.
 */
import { decodeJson, optionalPart } from '../decode.js'
import { httpGet, type HttpResponse } from '../http.js'
import type { PartFailure, PollContext, PollOutcome, Source } from '../types.js'
import { mapBundled, mapProducts, unannotatedPods } from './mapping.js'
import { bundledSchema, healthSchema, ibmClusterSchema, productsSchema, versionSchema, type IbmCluster } from './schema.js'

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
