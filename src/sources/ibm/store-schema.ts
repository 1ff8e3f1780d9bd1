/**
 * Where audit snapshots are kept (`snapshot.store`): the local `directory` (the default), or a bucket of
 * S3-compatible object storage (AWS S3, IBM Cloud Object Storage, OpenShift Data Foundation / NooBaa, Ceph
 * RGW, MinIO), shared by every replica and shard.
 */
import { z } from 'zod'
import { duration } from '../cluster.js'

const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'a bucket name: 3 to 63 lower-case letters, digits, dots and hyphens')

/** A key prefix as stored: no leading slash, one trailing slash (or empty). */
export function normalizePrefix (p: string): string {
  const trimmed = p.replace(/^\/+|\/+$/g, '')
  return trimmed === '' ? '' : `${trimmed}/`
}

/** An endpoint URL without user info, query or fragment (they would be logged with the bucket's name). */
function plainEndpoint (text: string): boolean {
  const u = new URL(text)
  return u.username === '' && u.password === '' && u.search === '' && u.hash === '' && !text.includes('@')
}

/** An S3-compatible bucket. */
export const s3StoreSchema = z.strictObject({
  type: z.literal('s3'),
  bucket: bucketName,
  /** Keys start with this (e.g. `prod/`): `<prefix><cluster>/<time>-<sha256>.zip`. */
  prefix: z.string().max(512).default('').transform(normalizePrefix),
  region: z.string().min(1).default('us-east-1'),
  /** For IBM COS, ODF, Ceph, MinIO: the service's URL. */
  endpoint: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).refine(plainEndpoint, 'an endpoint has no user, password, query or fragment: credentials go in access_key_id_file and secret_access_key_file').optional(),
  /** Path-style addressing (`endpoint/bucket/key`), as most on-premises stores want. */
  force_path_style: z.boolean().default(false),
  /** An access key from files (read again when they change); without them, the SDK's chain (environment, web identity / IRSA, instance role). */
  access_key_id_file: z.string().min(1).optional(),
  secret_access_key_file: z.string().min(1).optional(),
  tls: z.strictObject({ ca_file: z.string().min(1).optional(), insecure_skip_verify: z.boolean().default(false) }).default({ insecure_skip_verify: false }),
  /** S3 Object Lock: each object is written with this retention; the exporter then never deletes (the bucket does). */
  object_lock: z.strictObject({
    mode: z.enum(['COMPLIANCE', 'GOVERNANCE']),
    retain: duration(86_400_000, 100 * 366 * 86_400_000),
  }).optional(),
  /** Deadline of one request to the store (retries of throttled requests included). */
  timeout: duration(1000, 600_000).default(60_000),
}).refine(s => (s.access_key_id_file === undefined) === (s.secret_access_key_file === undefined), {
  message: 'access_key_id_file and secret_access_key_file go together',
})
export type S3StoreConfig = z.output<typeof s3StoreSchema>

/** `snapshot.store`: the local directory, or a bucket. */
export const storeSchema = z.discriminatedUnion('type', [z.strictObject({ type: z.literal('directory') }), s3StoreSchema])
export type StoreConfig = z.output<typeof storeSchema>
