/**
 * A bucket of S3-compatible object storage as a {@link Vault}: `<prefix><cluster>/<time>-<sha256>.zip`.
 * Objects are created only (`If-None-Match: *`: a 412 or 409 means another replica wrote the same snapshot,
 * which is success), with a SHA-256 checksum the store verifies, their cluster, cluster id and period in
 * metadata, and the Object Lock retention when one is configured (then nothing is ever deleted by the
 * exporter). Objects are read whole into memory when small, else through a temp file.
 */
import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import type { S3StoreConfig } from '../sources/ibm/store-schema.js'
import { spillToTempFile } from './bytes.js'
import { s3Client, storeError, type FileCredentials } from './s3-client.js'
import type { ClusterSummary } from './listing.js'
import { StoreError, type ArchiveMetadata, type OpenedArchive, type StoredArchive, type Vault, type VaultListing, type VaultSpec } from './store.js'
import { archiveName, archiveSha, archiveTime, VaultError } from './vault.js'

/** A cluster's listing is taken whole this often; in between, only its recent keys are listed. */
export const FULL_LISTING_MS = 60 * 60_000
/** How far before a cluster's newest archive an incremental listing starts (late writes: a drained spool, a slow clock). */
export const RELIST_WINDOW_MS = 3 * 86_400_000
/** Most keys one listing holds (two years of hourly snapshots are 17,520): past it the listing fails. */
export const MAX_LISTED_KEYS = 100_000

/** Most cluster listings kept for incremental listing (a bucket may hold any number of unconfigured folders). */
const MAX_LISTINGS = 10_000

interface Listed { key: string, size: number, mtimeMs: number }

/** Objects up to this size are read into memory; bigger ones go through a temp file. */
const IN_MEMORY_BYTES = 8 * 1024 * 1024

/**
 * An object's time in whole seconds: listings may give milliseconds (MinIO) where the Last-Modified header
 * of a read gives seconds, and the index compares the two to see a changed object.
 */
const seconds = (d: Date | undefined): number => Math.floor((d?.getTime() ?? 0) / 1000) * 1000

/** See the file comment. */
export class S3Vault implements Vault {
  readonly spec: VaultSpec
  readonly locked: boolean
  readonly #cfg: S3StoreConfig
  readonly #client: S3Client
  readonly #credentials: FileCredentials | undefined
  readonly #now: () => number
  /** Per cluster, the keys of the last listing and when the last whole one was taken. */
  readonly #listed = new Map<string, { keys: Listed[], fullAtMs: number }>()

  constructor (spec: VaultSpec & { kind: 's3' }, opts: { now?: () => number } = {}) {
    this.spec = spec
    this.#now = opts.now ?? Date.now
    this.#cfg = spec.s3
    this.locked = spec.s3.object_lock !== undefined
    const { client, credentials } = s3Client(spec.s3)
    this.#client = client
    this.#credentials = credentials
  }

  /**
   * Run one request under the store's deadline; failures become {@link StoreError}s. A 403 with credentials
   * from files reads them again and tries once more (the Secret was rotated).
   */
  async #send<T> (run: (signal: AbortSignal) => Promise<T>, mapError: (status: number | undefined) => { value: T } | undefined = () => undefined): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await run(AbortSignal.timeout(this.#cfg.timeout))
      } catch (err) {
        const mapped = mapError((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode)
        if (mapped !== undefined) return mapped.value
        const e = storeError(err, this.#cfg.bucket)
        if (e.reason !== 'store_auth' || this.#credentials === undefined || attempt > 0) throw e
        this.#credentials.invalidate()
      }
    }
  }

  /**
   * Every key under `prefix` (after `startAfter`), page by page (1,000 a page), or the common prefixes with
   * `delimiter`; at most {@link MAX_LISTED_KEYS}.
   */
  async #keys (prefix: string, opts: { delimiter?: string, startAfter?: string } = {}): Promise<Listed[]> {
    const out: Listed[] = []
    const tokens = new Set<string>()
    let token: string | undefined
    do {
      const page = await this.#send(signal => this.#client.send(new ListObjectsV2Command({
        Bucket: this.#cfg.bucket, Prefix: prefix, ...(opts.delimiter !== undefined ? { Delimiter: opts.delimiter } : {}),
        ...(token !== undefined ? { ContinuationToken: token } : opts.startAfter !== undefined ? { StartAfter: opts.startAfter } : {}),
      }), { abortSignal: signal }))
      for (const c of page.Contents ?? []) if (c.Key !== undefined) out.push({ key: c.Key, size: c.Size ?? 0, mtimeMs: seconds(c.LastModified) })
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix !== undefined) out.push({ key: p.Prefix, size: 0, mtimeMs: 0 })
      if (out.length > MAX_LISTED_KEYS) throw new StoreError('store_error', `bucket ${this.#cfg.bucket}: more than ${MAX_LISTED_KEYS} objects under ${prefix}; not listed`)
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined
      // A store that repeats a page token, or sends endless empty pages, would be listed for ever.
      if (token !== undefined && (tokens.has(token) || tokens.size >= MAX_LISTED_KEYS / 100)) throw new StoreError('store_error', `bucket ${this.#cfg.bucket}: the listing of ${prefix} does not end (a page token repeated, or ${tokens.size} pages); not listed`)
      if (token !== undefined) tokens.add(token)
    } while (token !== undefined)
    return out
  }

  /**
   * A cluster's keys: a whole listing every {@link FULL_LISTING_MS}; in between, only the keys from
   * {@link RELIST_WINDOW_MS} before its newest archive on, merged with the older keys of the last listing
   * (so a fleet of many clusters with two years of archives is not listed whole every few minutes).
   */
  async #clusterKeys (base: string): Promise<Listed[]> {
    const now = this.#now()
    const last = this.#listed.get(base)
    const newest = last?.keys.reduce((m, k) => Math.max(m, archiveTime(k.key.slice(base.length)) ?? 0), 0) ?? 0
    if (last === undefined || newest === 0 || now - last.fullAtMs >= FULL_LISTING_MS || now < last.fullAtMs) {
      const keys = await this.#keys(base)
      this.#remember(base, { keys, fullAtMs: now })
      return keys
    }
    const from = `${base}${archiveName(newest - RELIST_WINDOW_MS).replace(/\.zip$/, '')}`
    const recent = await this.#keys(base, { startAfter: from })
    const keys = [...last.keys.filter(k => k.key <= from), ...recent]
    if (keys.length > MAX_LISTED_KEYS) throw new StoreError('store_error', `bucket ${this.#cfg.bucket}: more than ${MAX_LISTED_KEYS} objects under ${base}; not listed`)
    this.#remember(base, { keys, fullAtMs: last.fullAtMs })
    return keys
  }

  /** Keep a cluster's listing, the most recently listed {@link MAX_LISTINGS} only (orphan folders come and go). */
  #remember (base: string, entry: { keys: Listed[], fullAtMs: number }): void {
    this.#listed.delete(base)
    this.#listed.set(base, entry)
    if (this.#listed.size > MAX_LISTINGS) this.#listed.delete(this.#listed.keys().next().value!)
  }

  #key (cluster: string, name: string): string { return `${this.#cfg.prefix}${cluster}/${name}` }

  async list (cluster: string): Promise<VaultListing> {
    const base = `${this.#cfg.prefix}${cluster}/`
    const out: VaultListing = { archives: [], refused: [] }
    for (const k of await this.#clusterKeys(base)) {
      const name = k.key.slice(base.length)
      if (name === '' || name.includes('/')) continue
      const takenMs = archiveTime(name)
      if (takenMs !== undefined) out.archives.push({ name, takenMs, size: k.size, mtimeMs: k.mtimeMs, ino: 0 })
      else if (/\.zip$/i.test(name)) out.refused.push({ name, reason: 'bad_name', message: `${name} is not named as the exporter names archives (<UTC time>-<sha256>.zip)` })
    }
    out.archives.sort((a, b) => a.takenMs - b.takenMs || (a.name < b.name ? -1 : 1))
    return out
  }

  async summary (cluster: string, notAfterMs: number): Promise<ClusterSummary> {
    const { archives } = await this.list(cluster)
    const dated = archives.filter(a => a.takenMs <= notAfterMs)
    const newest = dated.at(-1)
    return {
      count: archives.length,
      newest: newest === undefined ? undefined : { name: newest.name, takenMs: newest.takenMs, size: newest.size },
      future: archives.filter(a => a.takenMs > notAfterMs).map(a => a.name),
      temps: [],
    }
  }

  async folders (): Promise<string[]> {
    const base = this.#cfg.prefix
    return (await this.#keys(base, { delimiter: '/' })).filter(k => k.key.endsWith('/')).map(k => k.key.slice(base.length, -1)).filter(f => f !== '' && !f.startsWith('.')).sort()
  }

  async open (cluster: string, name: string, maxBytes: number): Promise<OpenedArchive> {
    const res = await this.#send(signal => this.#client.send(new GetObjectCommand({ Bucket: this.#cfg.bucket, Key: this.#key(cluster, name) }), { abortSignal: signal }))
    const size = res.ContentLength ?? 0
    const body = res.Body as Readable | undefined
    const mtimeMs = seconds(res.LastModified)
    if (body === undefined) throw new VaultError('io', `${name}: the store sent no body`)
    if (size > maxBytes) {
      body.destroy()
      return { size, mtimeMs, ino: 0, bytes: undefined, close: async () => undefined }
    }
    if (size <= IN_MEMORY_BYTES) {
      const chunks: Buffer[] = []
      let n = 0
      try {
        for await (const c of body as AsyncIterable<Buffer>) {
          n += c.length
          if (n > size) throw new VaultError('io', `${name}: more bytes than announced`)
          chunks.push(c)
        }
      } catch (err) {
        throw err instanceof VaultError ? err : storeError(err, this.#cfg.bucket)
      }
      return { size: n, mtimeMs, ino: 0, bytes: { buffer: Buffer.concat(chunks, n) }, close: async () => undefined }
    }
    // Big: through a private temp file, removed at close.
    try {
      const spilled = await spillToTempFile(body, size, name)
      return { size: spilled.size, mtimeMs, ino: 0, bytes: { handle: spilled.handle, size: spilled.size }, close: spilled.close }
    } catch (err) {
      throw err instanceof VaultError ? err : storeError(err, this.#cfg.bucket)
    }
  }

  async stat (cluster: string, name: string): Promise<StoredArchive | undefined> {
    const takenMs = archiveTime(name)
    if (takenMs === undefined) return undefined
    return this.#send(async signal => {
      const h = await this.#client.send(new HeadObjectCommand({ Bucket: this.#cfg.bucket, Key: this.#key(cluster, name) }), { abortSignal: signal })
      return { name, takenMs, size: h.ContentLength ?? 0, mtimeMs: seconds(h.LastModified), ino: 0 }
    }, status => (status === 404 ? { value: undefined } : undefined))
  }

  /**
   * Create the object. A 412 (the name exists: another replica stored these very bytes first) or a 409 (a
   * conditional write that conflicted with another in flight) is success once a HEAD finds the object there
   * (the name is the content's SHA-256, which the store verified at the write); else the write is tried again.
   */
  async put (cluster: string, name: string, body: Buffer, metadata: ArchiveMetadata): Promise<'created' | 'exists'> {
    const sha = createHash('sha256').update(body).digest()
    if (archiveSha(name) !== sha.toString('hex')) throw new VaultError('io', `${name} does not carry the SHA-256 of its bytes`)
    const lock = this.#cfg.object_lock
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#send(async signal => {
        await this.#client.send(new PutObjectCommand({
          Bucket: this.#cfg.bucket, Key: this.#key(cluster, name), Body: body, ContentType: 'application/zip',
          IfNoneMatch: '*', ChecksumAlgorithm: 'SHA256', ChecksumSHA256: sha.toString('base64'), Metadata: metadata,
          ...(lock !== undefined ? { ObjectLockMode: lock.mode, ObjectLockRetainUntilDate: new Date(Date.now() + lock.retain) } : {}),
        }), { abortSignal: signal })
        return 'created' as const
      }, status => (status === 412 || status === 409 ? { value: 'conflict' as const } : undefined))
      if (outcome !== 'conflict') return outcome
      if (await this.stat(cluster, name) !== undefined) return 'exists'
      if (attempt >= 3) throw new StoreError('store_error', `bucket ${this.#cfg.bucket}: the write of ${name} was refused as a conflict (HTTP 409 or 412) ${attempt} times, and the object is not there`)
    }
  }

  async remove (cluster: string, names: readonly string[]): Promise<string[]> {
    if (this.locked) return []
    const removed: string[] = []
    for (const name of names) {
      if (archiveTime(name) === undefined) continue
      await this.#send(signal => this.#client.send(new DeleteObjectCommand({ Bucket: this.#cfg.bucket, Key: this.#key(cluster, name) }), { abortSignal: signal }))
      removed.push(name)
    }
    const listed = this.#listed.get(`${this.#cfg.prefix}${cluster}/`)
    const gone = new Set(removed.map(name => this.#key(cluster, name)))
    if (listed !== undefined) listed.keys = listed.keys.filter(k => !gone.has(k.key))
    return removed
  }
}
