/**
 * Dynatrace Managed, Cluster API v2 (shared/docs/dynatrace-cluster-license.md).
 * One poll reads `/api/cluster/v2/clusterLicense` (required), `/api/cluster/v2/clusterLicense/environment/total`
 * and `/rest/health` (optional: a failure there degrades only their series).
 */
import { z } from 'zod'
import { clusterBaseShape } from '../cluster.js'
import { USAGE_STATES } from '../../metrics/catalogue.js'
import { toUnixSeconds } from '../../util/time.js'
import { decodeJson, optionalPart } from '../decode.js'
import { httpGet } from '../http.js'
import type { PartFailure, PollContext, PollOutcome, Sample, Source } from '../types.js'

/** Cluster entry of type `dynatrace_managed`. */
export const dynatraceClusterSchema = z.strictObject({
  ...clusterBaseShape,
  type: z.literal('dynatrace_managed'),
})
export type DynatraceCluster = z.output<typeof dynatraceClusterSchema>

const num = z.number().nullish()
const text = z.string().nullish()
const timestamp = z.union([z.string(), z.number()]).nullish()

const overageSchema = z.object({
  overageQuota: num,
  overageUsage: num,
  overageUsagePercent: num,
  remainingOverage: num,
  remainingOveragePercent: num,
}).nullish()

const unitSchema = z.object({
  quota: num,
  usage: num,
  remaining: num,
  usagePercent: num,
  remainingPercent: num,
  usageStatus: text,
  overageUsage: overageSchema,
}).nullish()

/**
 * `ClusterLicense`. Unknown fields are dropped here, which is also what keeps `licenseKey` and
 * `contactEmailAddress` out of everything downstream.
 */
export const clusterLicenseSchema = z.object({
  accountName: text,
  clusterId: text,
  lastBillingTime: timestamp,
  licenseExpirationTime: timestamp,
  licenseName: text,
  licenseStatus: text,
  licenseType: text,
  productVersion: text,
  usageOfDduUnits: unitSchema,
  usageOfDemUnits: unitSchema,
  usageOfHostUnits: unitSchema,
})
export type ClusterLicense = z.output<typeof clusterLicenseSchema>

/** `/clusterLicense/environment/total`. */
export const environmentTotalSchema = z.object({
  totalLicenseUsageDataPerEnvironment: z.array(z.object({
    environmentUuid: z.string(),
    usageOfDduUnits: num,
    usageOfDemUnits: num,
    usageOfHostUnits: num,
  })).nullish(),
})
export type EnvironmentTotal = z.output<typeof environmentTotalSchema>

const UNITS = [['ddu', 'usageOfDduUnits'], ['dem', 'usageOfDemUnits'], ['host', 'usageOfHostUnits']] as const

/** Map a `ClusterLicense` to samples. Pure: tested on recorded fixtures. */
export function mapClusterLicense (license: ClusterLicense): Sample[] {
  const out: Sample[] = []
  for (const [unit, field] of UNITS) {
    const u = license[field]
    if (u === null || u === undefined) continue
    const labels = { product: 'dynatrace', product_id: '', unit }
    const put = (metric: Sample['metric'], value: number | null | undefined, scale = 1): void => {
      if (typeof value === 'number') out.push({ metric, labels, value: value / scale })
    }
    put('license_usage', u.usage)
    // Missing, null or -1 quota: unlimited or unknown, so no quota, remaining or ratio at all.
    if (typeof u.quota === 'number' && u.quota >= 0) {
      put('license_quota', u.quota)
      put('license_remaining', u.remaining)
      put('license_usage_ratio', u.usagePercent, 100)
    }
    if (typeof u.usageStatus === 'string' && u.usageStatus !== '') {
      const states: string[] = [...USAGE_STATES]
      if (!states.includes(u.usageStatus)) states.push(u.usageStatus)
      for (const status of states) out.push({ metric: 'license_usage_status', labels: { ...labels, status }, value: status === u.usageStatus ? 1 : 0 })
    }
    const o = u.overageUsage
    if (o !== null && o !== undefined) {
      put('license_overage_quota', o.overageQuota)
      put('license_overage_usage', o.overageUsage)
      put('license_overage_remaining', o.remainingOverage)
      put('license_overage_ratio', o.overageUsagePercent, 100)
    }
  }
  out.push({
    metric: 'license_info',
    labels: {
      license_name: license.licenseName ?? '',
      license_type: license.licenseType ?? '',
      license_status: license.licenseStatus ?? '',
      account: license.accountName ?? '',
      version: license.productVersion ?? '',
    },
    value: 1,
  })
  const expiry = toUnixSeconds(license.licenseExpirationTime)
  if (expiry !== undefined) out.push({ metric: 'license_expiry_timestamp_seconds', labels: {}, value: expiry })
  const billing = toUnixSeconds(license.lastBillingTime)
  if (billing !== undefined) out.push({ metric: 'license_billing_timestamp_seconds', labels: {}, value: billing })
  return out
}

/** Map the per-environment billed usage to samples. */
export function mapEnvironmentTotal (total: EnvironmentTotal): Sample[] {
  const out: Sample[] = []
  for (const env of total.totalLicenseUsageDataPerEnvironment ?? []) {
    for (const [unit, field] of UNITS) {
      const value = env[field]
      if (typeof value === 'number') out.push({ metric: 'license_environment_usage', labels: { environment: env.environmentUuid, unit }, value })
    }
  }
  return out
}

/** `/rest/health` answers `RUNNING` (sometimes JSON-quoted) when the node serves. */
export function isRunning (body: string): boolean {
  return body.trim().replace(/^"|"$/g, '').toUpperCase() === 'RUNNING'
}

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
