/** IBM License Service: the cluster entry of the config, and the shapes of the vendor's responses. */
import { z } from 'zod'
import { clusterBaseShape, duration } from '../cluster.js'
import { entitlementsSchema } from '../entitlements.js'
import { storeSchema } from './store-schema.js'

/** Opt-in archive of the audit snapshot (`/snapshot`). */
export const snapshotSchema = z.strictObject({
  /** The vault (local store), or, with a bucket, the spool of downloads not uploaded yet and the index. */
  directory: z.string().min(1),
  store: storeSchema.default({ type: 'directory' }),
  interval: duration(60_000, 366 * 86_400_000).default(24 * 3_600_000),
  /** Archives younger than this are never deleted (IBM: keep audit snapshots for two years). */
  keep_for: duration(86_400_000, 3660 * 86_400_000).default(730 * 86_400_000),
  /** The newest this many archives are kept whatever their age; older ones go once past `keep_for`. */
  keep: z.int({ error: 'must be a whole number of archives' }).min(1).max(100_000).default(1),
  timeout: duration(1000, 3_600_000).default(5 * 60_000),
  max_bytes: z.int({ error: 'must be a whole number of bytes' }).positive().max(1024 * 1024 * 1024).default(64 * 1024 * 1024),
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
