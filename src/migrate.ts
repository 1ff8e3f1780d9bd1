/**
 * `--snapshot.migrate=DIR`: copy a local vault (`DIR/<cluster>/<time>.zip`) into a bucket, as the archiver
 * names objects there (`<prefix><cluster>/<time>-<sha256>.zip`, the time kept to the millisecond). Each
 * archive is read once (regular files only), hashed, created with `If-None-Match: *` and its checksum (an
 * object already there is the same bytes: its name says so), then read back from the bucket and its hash
 * compared. Idempotent: a second run creates nothing and verifies everything. The local vault is never
 * changed. An archive that cannot be read, or whose content-addressed name does not match its bytes, is
 * reported and not copied.
 */
import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import { DirectoryVault } from './archive/directory-vault.js'
import { sha256Of, wholeBytes } from './archive/bytes.js'
import { directoryVault, StoreError, type VaultSpec } from './archive/store.js'
import { archiveName, archiveSha } from './archive/vault.js'
import { openVault } from './archive/vaults.js'
import { configuredBuckets, parseStoreUrl } from './archive/store-url.js'
import { loadConfig } from './config/load.js'
import { createLogger } from './util/logger.js'
import { describeSnapshot } from './licensing/describe.js'

/** Largest archive copied (the largest `snapshot.max_bytes`). */
const MAX_BYTES = 1024 * 1024 * 1024

/** One archive that was not copied, or not verified. */
export interface MigrationProblem { cluster: string, file: string, reason: string, message: string }

/** What a migration did. */
export interface MigrationSummary {
  from: string
  to: string
  clusters: number
  archives: number
  /** Objects written now. */
  created: number
  /** Objects that were there already (an earlier run, or the exporter). */
  existed: number
  /** Objects read back with the SHA-256 of the local file. */
  verified: number
  problems: MigrationProblem[]
}

/** Copy the vault at `from` into the bucket `to`. */
export async function migrateVault (from: string, to: VaultSpec & { kind: 's3' }, log: Logger): Promise<MigrationSummary> {
  const source = new DirectoryVault(directoryVault(from))
  const bucket = openVault(to)
  const out: MigrationSummary = { from, to: to.id, clusters: 0, archives: 0, created: 0, existed: 0, verified: 0, problems: [] }
  for (const cluster of await source.folders()) {
    out.clusters++
    const listing = await source.list(cluster)
    for (const f of listing.refused) out.problems.push({ cluster, file: f.name, reason: f.reason, message: f.message })
    for (const a of listing.archives) {
      out.archives++
      const problem = await copyOne(source, bucket, cluster, a.name, a.takenMs, out)
      if (problem !== undefined) {
        out.problems.push({ cluster, file: a.name, ...problem })
        log.warn({ cluster, file: a.name, ...problem }, 'archive not migrated')
        if (problem.reason.startsWith('store_')) return out
      }
    }
    log.info({ cluster, archives: listing.archives.length }, 'cluster folder migrated')
  }
  return out
}

async function copyOne (source: DirectoryVault, bucket: ReturnType<typeof openVault>, cluster: string, file: string, takenMs: number, out: MigrationSummary): Promise<{ reason: string, message: string } | undefined> {
  let body: Buffer
  try {
    body = await readWhole(source, cluster, file)
  } catch (err) {
    return { reason: 'io', message: err instanceof Error ? err.message : String(err) }
  }
  const sha = createHash('sha256').update(body).digest('hex')
  const named = archiveSha(file)
  if (named !== undefined && named !== sha) return { reason: 'hash_mismatch', message: `its SHA-256 is ${sha}, not the ${named} of its name: damaged; not copied` }
  const name = archiveName(takenMs, sha)
  try {
    const outcome = await bucket.put(cluster, name, body, { cluster: encodeURIComponent(cluster), ...(await describeSnapshot(body).catch(() => ({}))), 'migrated-from': encodeURIComponent(file) })
    if (outcome === 'created') out.created++
    else out.existed++
    const back = await bucket.open(cluster, name, MAX_BYTES)
    try {
      const again = back.bytes === undefined ? undefined : await sha256Of(back.bytes)
      if (again !== sha) return { reason: 'hash_mismatch', message: `read back from the bucket with SHA-256 ${again ?? '(not read)'}, not ${sha}` }
    } finally {
      await back.close()
    }
    out.verified++
    return undefined
  } catch (err) {
    return { reason: err instanceof StoreError ? err.reason : 'io', message: err instanceof Error ? err.message : String(err) }
  }
}

async function readWhole (source: DirectoryVault, cluster: string, file: string): Promise<Buffer> {
  const opened = await source.open(cluster, file, MAX_BYTES)
  try {
    if (opened.bytes === undefined) throw new Error(`${opened.size} bytes, more than ${MAX_BYTES}`)
    return await wholeBytes(opened.bytes)
  } finally {
    await opened.close()
  }
}

/** The bucket of `--snapshot.store` (a string: the problem). */
export async function bucketOf (configFile: string, text: string): Promise<ReturnType<typeof parseStoreUrl>> {
  return parseStoreUrl(text, await loadConfig(configFile))
}

/** `--snapshot.migrate`: copy a local vault into the bucket; the summary on stdout (JSON), problems on stderr. */
export async function migrate (configFile: string, from: string, storeText: string | undefined, level: string): Promise<number> {
  try {
    const config = await loadConfig(configFile)
    const buckets = configuredBuckets(config)
    const to = storeText !== undefined ? parseStoreUrl(storeText, config) : buckets.length === 1 ? buckets[0]! : `the config has ${buckets.length} bucket stores: name one with --snapshot.store=s3://bucket/prefix`
    if (typeof to === 'string') {
      process.stderr.write(`--snapshot.migrate: ${to}\n`)
      return 2
    }
    const summary = await migrateVault(from, to, createLogger(level, process.stderr))
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`)
    if (summary.archives === 0 && summary.problems.length === 0) {
      // A wrong path (or a cluster's folder instead of the vault) must not look like a finished migration.
      process.stderr.write(`--snapshot.migrate: no archives in ${from} (expected ${from}/<cluster>/<time>.zip); nothing copied\n`)
      return 1
    }
    for (const p of summary.problems) process.stderr.write(`${p.cluster}/${p.file}: ${p.reason}: ${p.message}\n`)
    const done = summary.problems.length === 0 && summary.verified === summary.archives
    process.stderr.write(`${summary.archives} archive(s) of ${summary.clusters} cluster(s): ${summary.created} copied, ${summary.existed} there already, ${summary.verified} verified${done ? '' : `, ${summary.problems.length} problem(s)`}\n`)
    return done ? 0 : 1
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  }
}
