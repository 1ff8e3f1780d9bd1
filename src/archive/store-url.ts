/**
 * A bucket named on the command line (`--snapshot.store=s3://bucket/prefix`), for the offline report and
 * the migration. Its settings (endpoint, credentials files, CA, Object Lock) are those of a configured
 * `snapshot.store` of the same bucket when there is one; else from the URL's query (`endpoint`, `region`,
 * `path_style`), with credentials from the SDK's chain (environment, web identity, instance role).
 */
import { tmpdir } from 'node:os'
import type { Config } from '../config/schema.js'
import { normalizePrefix, s3StoreSchema, type S3StoreConfig } from '../sources/ibm/store-schema.js'
import { bucketVault, type VaultSpec } from './store.js'

/** The s3 stores of a config, once each (by vault id). */
export function configuredBuckets (config: Config): Array<VaultSpec & { kind: 's3' }> {
  const out = new Map<string, VaultSpec & { kind: 's3' }>()
  for (const c of config.clusters) {
    if (c.type !== 'ibm_license_service' || c.snapshot?.store.type !== 's3') continue
    const spec = bucketVault(c.snapshot.store, c.snapshot.directory)
    if (!out.has(spec.id)) out.set(spec.id, spec)
  }
  return [...out.values()]
}

/** Parse `s3://bucket[/prefix][?endpoint=URL&region=R&path_style=true]`; a string is the problem. */
export function parseStoreUrl (text: string, config: Config): (VaultSpec & { kind: 's3' }) | string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return `expected s3://bucket/prefix, got "${text}"`
  }
  if (url.protocol !== 's3:' || url.hostname === '') return `expected s3://bucket/prefix, got "${text}"`
  if (url.username !== '' || url.password !== '' || url.port !== '' || url.hash !== '') return 's3://bucket/prefix takes no user, password, port or fragment: credentials come from the config\'s store or the AWS SDK\'s chain, the endpoint from ?endpoint='
  // The path as written: URL parsing would resolve `a/../b` (and `%2e%2e`) into another prefix silently.
  const rawPath = /^s3:\/\/[^/?#]*(\/[^?#]*)?/i.exec(text)?.[1] ?? ''
  let prefix: string
  try {
    prefix = decodeURIComponent(rawPath)
  } catch {
    return `the prefix of "${text}" is not valid percent-encoding`
  }
  if (prefix.split('/').some(seg => seg === '.' || seg === '..')) return `the prefix of "${text}" has a "." or ".." segment: name the prefix as it is`
  const q = url.searchParams
  for (const k of q.keys()) {
    if (!['endpoint', 'region', 'path_style'].includes(k)) return `unknown parameter "${k}" (endpoint, region, path_style)`
    if (q.getAll(k).length > 1) return `parameter "${k}" given more than once`
  }
  if (q.has('path_style') && !['true', 'false'].includes(q.get('path_style')!)) return `path_style is true or false, not "${q.get('path_style')}"`
  const endpoint = q.get('endpoint') ?? undefined
  const known = configuredBuckets(config).find(s => s.s3.bucket === url.hostname && (endpoint === undefined || s.s3.endpoint === endpoint))
  let s3: S3StoreConfig
  if (known !== undefined) {
    s3 = { ...known.s3, prefix: normalizePrefix(prefix) }
    if (q.has('region')) s3.region = q.get('region')!
    if (q.has('path_style')) s3.force_path_style = q.get('path_style') === 'true'
  } else {
    const parsed = s3StoreSchema.safeParse({
      type: 's3', bucket: url.hostname, prefix, ...(endpoint !== undefined ? { endpoint } : {}),
      ...(q.has('region') ? { region: q.get('region') } : {}), ...(q.has('path_style') ? { force_path_style: q.get('path_style') === 'true' } : {}),
    })
    if (!parsed.success) return parsed.error.issues.map(i => `${i.path.join('.') || 'store'}: ${i.message}`).join('; ')
    s3 = parsed.data
  }
  return bucketVault(s3, tmpdir())
}
