/**
 * Dynatrace Managed, Cluster API v2 (shared/docs/dynatrace-cluster-license.md).
 * One poll reads `/api/cluster/v2/clusterLicense` (required), `/api/cluster/v2/clusterLicense/environment/total`
 * and `/rest/health` (optional: a failure there degrades only their series).
 */
import { decodeJson, optionalPart } from '../decode.js'
import { httpGet } from '../http.js'
import type { PartFailure, PollContext, PollOutcome, Source } from '../types.js'
import { isRunning, mapClusterLicense, mapEnvironmentTotal } from './mapping.js'
import { clusterLicenseSchema, dynatraceClusterSchema, environmentTotalSchema, type DynatraceCluster } from './schema.js'

async function poll (_cluster: DynatraceCluster, ctx: PollContext): Promise<PollOutcome> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (ctx.token !== undefined) headers.authorization = `Api-Token ${ctx.token}`
  const get = (path: string, h: Record<string, string>) => httpGet(ctx.http, { path, headers: h, signal: ctx.signal })

  const licenseReq = get('/api/cluster/v2/clusterLicense', headers)
  const envReq = optionalPart(get('/api/cluster/v2/clusterLicense/environment/total', headers)
    .then(res => decodeJson(res, environmentTotalSchema, 'environment/total')))
  // The health endpoint needs no token: do not send one.
  const healthReq = optionalPart(get('/rest/health', { accept: 'text/plain, application/json' }))
  const [licenseRes, envPart, healthPart] = await Promise.all([
    licenseReq.then(res => decodeJson(res, clusterLicenseSchema, 'clusterLicense')),
    envReq,
    healthReq,
  ])

  const samples = mapClusterLicense(licenseRes)
  const partFailures: PartFailure[] = []
  const endpoints: Record<string, boolean> = { clusterLicense: true, environment_total: envPart.ok, health: healthPart.ok }
  if (envPart.ok) samples.push(...mapEnvironmentTotal(envPart.value))
  else partFailures.push({ part: 'environment_total', reason: envPart.error.reason, message: envPart.error.message })
  if (healthPart.ok) {
    samples.push({ metric: 'license_cluster_healthy', labels: {}, value: isRunning(healthPart.value.body.toString('utf8')) ? 1 : 0 })
  } else {
    partFailures.push({ part: 'health', reason: healthPart.error.reason, message: healthPart.error.message })
    // The node answered, but not healthy: that is a 0. A 404 (no such endpoint) leaves the series absent.
    if (healthPart.error.reason === 'http_5xx') samples.push({ metric: 'license_cluster_healthy', labels: {}, value: 0 })
  }
  return { samples, partFailures, endpoints }
}

/** The Dynatrace Managed source. */
export const dynatraceSource: Source<typeof dynatraceClusterSchema> = {
  type: 'dynatrace_managed',
  schema: dynatraceClusterSchema,
  poll,
}
