/** Dynatrace Managed: the cluster entry of the config, and the shapes of the Cluster API v2 responses. */
import { z } from 'zod'
import { clusterBaseShape } from '../cluster.js'

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

/** The unit fields of a `ClusterLicense`. */
const UNIT_FIELDS = ['usageOfDduUnits', 'usageOfDemUnits', 'usageOfHostUnits'] as const

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
}).refine(l => UNIT_FIELDS.some(f => l[f] !== null && l[f] !== undefined), {
  // A 200 with none of the units (`{}`, or an error object) is not a license: `up` must not turn 1 on it.
  message: 'none of usageOfDduUnits, usageOfDemUnits, usageOfHostUnits is present',
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
