/**
 * Dynatrace Managed cluster license responses, built from shared/docs/dynatrace-cluster-license.md:
 * the documented shape and its awkward variants (empty unit objects, nulls, missing fields, unlimited quota,
 * epoch-millisecond timestamps, unknown status values). Every body carries a recognisable fake
 * `licenseKey` and `contactEmailAddress` so tests can prove they never leak.
 */

/** Fake secrets present in every simulated license. */
export const FAKE_LICENSE_KEY = 'SIMLICENSEKEY-7f3a9c2e-DO-NOT-LEAK'
export const FAKE_CONTACT_EMAIL = 'license-owner.simulated@example.invalid'

type Json = Record<string, unknown>

/** A `LicenseUsageOfUnit` with the usual derived fields. `overageQuota: null` = overage without a limit. */
export function unit (quota: number, usage: number, status: string, overage?: { quota: number | null, usage: number }): Json {
  const u: Json = {
    quota,
    usage,
    remaining: quota - usage,
    usagePercent: quota > 0 ? (usage / quota) * 100 : 0,
    remainingPercent: quota > 0 ? ((quota - usage) / quota) * 100 : 0,
    usageStatus: status,
  }
  if (overage !== undefined) {
    const o: Json = { overageQuota: overage.quota, overageUsage: overage.usage }
    if (overage.quota !== null) {
      o.overageUsagePercent = (overage.usage / overage.quota) * 100
      o.remainingOverage = overage.quota - overage.usage
      o.remainingOveragePercent = ((overage.quota - overage.usage) / overage.quota) * 100
    }
    u.overageUsage = o
  }
  return u
}

/** A full `ClusterLicense` body; pass fields to override. */
export function clusterLicense (overrides: Json = {}): Json {
  return {
    accountName: 'Simulated Corp',
    clusterId: 'sim-0000-1111',
    contactEmailAddress: FAKE_CONTACT_EMAIL,
    lastBillingTime: '2026-11-22T08:00:00Z',
    licenseExpirationTime: '2027-06-30T00:00:00.000Z',
    licenseKey: FAKE_LICENSE_KEY,
    licenseName: 'Simulated Enterprise',
    licenseStatus: 'ACTIVE',
    licenseType: 'PAID',
    productVersion: '1.330.12.20261101-120000',
    usageOfDduUnits: unit(1_000_000, 420_000, 'USING_QUOTA'),
    usageOfDemUnits: unit(500_000, 125_000, 'USING_QUOTA'),
    usageOfHostUnits: unit(200, 120, 'USING_QUOTA'),
    ...overrides,
  }
}

/** Named variants worth simulating. */
export const LICENSE_PRESETS = {
  /** All units below quota. */
  healthy: () => clusterLicense(),
  /** DDU overage limit used up: monitoring stops. Must page. */
  overage_quota_reached: () => clusterLicense({
    usageOfDduUnits: unit(1_000_000, 1_000_000, 'OVERAGE_QUOTA_REACHED', { quota: 250_000, usage: 250_000 }),
  }),
  /** Host units past quota, paying overage under a limit. */
  using_overage: () => clusterLicense({
    usageOfHostUnits: unit(200, 200, 'USING_OVERAGE', { quota: 50, usage: 42 }),
  }),
  /** Overage without a limit (`overageQuota: null`). */
  overage_unlimited: () => clusterLicense({
    usageOfHostUnits: unit(200, 200, 'USING_OVERAGE', { quota: null, usage: 17.5 }),
  }),
  /** Quota used up, no overage allowed. */
  quota_reached: () => clusterLicense({ usageOfDemUnits: unit(500_000, 500_000, 'QUOTA_REACHED') }),
  /** 95 % of the DDU quota. */
  near_quota: () => clusterLicense({ usageOfDduUnits: unit(1_000_000, 950_000, 'USING_QUOTA') }),
  /** The documentation's own example: empty unit objects. */
  empty_units: () => clusterLicense({ usageOfDemUnits: {}, usageOfHostUnits: {} }),
  /** Nulls everywhere a value may be null, and missing fields. */
  nulls: () => ({
    accountName: null, licenseName: null, licenseKey: FAKE_LICENSE_KEY, contactEmailAddress: FAKE_CONTACT_EMAIL,
    lastBillingTime: null, licenseExpirationTime: null,
    usageOfDduUnits: { quota: null, usage: 12.5, remaining: null, usagePercent: null, usageStatus: null, overageUsage: null },
    usageOfDemUnits: null,
  }),
  /** Quota -1 (unlimited), epoch-millisecond timestamps, unknown status values. */
  unlimited: () => clusterLicense({
    lastBillingTime: 1795334400000,
    licenseExpirationTime: '1830297600000',
    licenseStatus: 'SOMETHING_NEW',
    usageOfDduUnits: { quota: -1, usage: 77_000, usageStatus: 'USING_QUOTA' },
    usageOfDemUnits: unit(500_000, 10, 'FUTURE_STATUS'),
  }),
} as const

/** Name of a {@link LICENSE_PRESETS} entry. */
export type LicensePreset = keyof typeof LICENSE_PRESETS

/** A `/clusterLicense/environment/total` body with `n` environments. */
export function environmentTotal (n = 3): Json {
  return {
    totalLicenseUsageDataPerEnvironment: Array.from({ length: n }, (_, i) => ({
      environmentUuid: `0000000${i}-aaaa-bbbb-cccc-${String(i).padStart(12, '0')}`,
      usageOfDduUnits: 1000 * (i + 1),
      usageOfDemUnits: 100 * (i + 1),
      usageOfHostUnits: 10 * (i + 1),
    })),
  }
}
