/** Dynatrace Cluster API v2 responses mapped to samples. Pure: tested on recorded fixtures. */
import { USAGE_STATES } from '../../metrics/catalogue.js'
import type { Sample } from '../types.js'
import { toUnixSeconds } from '../../util/time.js'
import type { ClusterLicense, EnvironmentTotal } from './schema.js'

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
