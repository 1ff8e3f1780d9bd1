/**
 * A bucket of S3-compatible object storage as a {@link Vault}: `<prefix><cluster>/<time>-<sha256>.zip`.
 * Objects are created only (`If-None-Match: *`: a 412 or 409 means another replica wrote the same snapshot,
 * which is success), with a SHA-256 checksum the store verifies, their cluster, cluster id and period in
 * metadata, and the Object Lock retention when one is configured (then nothing is ever deleted by the
 * exporter). Objects are read whole into memory when small, else through a temp file.
 */
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import type { S3StoreConfig } from '../sources/ibm/store-schema.js'
import { s3Client, storeError } from './s3-client.js'
import type { ClusterSummary } from './listing.js'
import type { ArchiveMetadata, OpenedArchive, StoredArchive, Vault, VaultListing, VaultSpec } from './store.js'
import { archiveSha, archiveTime, VaultError } from './vault.js'

/** Objects up to this size are read into memory; bigger ones go through a temp file. */
const IN_MEMORY_BYTES = 8 * 1024 * 1024

/** See the file comment. */
export class S3Vault implements Vault {
  readonly spec: VaultSpec
  readonly locked: boolean
  readonly #cfg: S3StoreConfig
  readonly #client: S3Client

  constructor (spec: VaultSpec & { kind: 's3' }, client?: S3Client) {
    this.spec = spec
    this.#cfg = spec.s3
    this.locked = spec.s3.object_lock !== undefined
    this.#client = client ?? s3Client(spec.s3)
  }

  /** Run one request under the store's deadline; failures become {@link StoreError}s. */
  async #send<T> (run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await run(AbortSignal.timeout(this.#cfg.timeout))
    } catch (err) {
      throw storeError(err, this.#cfg.bucket)
    }
  }

  /** Every key under `prefix`, page by page (1,000 a page), or the common prefixes with `delimiter`. */
  async #keys (prefix: string, delimiter?: string): Promise<Array<{ key: string, size: number, mtimeMs: number }>> {
    const out: Array<{ key: string, size: number, mtimeMs: number }> = []
    let token: string | undefined
    do {
      const page = await this.#send(signal => this.#client.send(new ListObjectsV2Command({
        Bucket: this.#cfg.bucket, Prefix: prefix, ...(delimiter !== undefined ? { Delimiter: delimiter } : {}), ...(token !== undefined ? { ContinuationToken: token } : {}),
      }), { abortSignal: signal }))
      for (const c of page.Contents ?? []) if (c.Key !== undefined) out.push({ key: c.Key, size: c.Size ?? 0, mtimeMs: c.LastModified?.getTime() ?? 0 })
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix !== undefined) out.push({ key: p.Prefix, size: 0, mtimeMs: 0 })
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined
    } while (token !== undefined)
    return out
  }

  #key (cluster: string, name: string): string { return `${this.#cfg.prefix}${cluster}/${name}` }

  async list (cluster: string): Promise<VaultListing> {
    const base = `${this.#cfg.prefix}${cluster}/`
    const out: VaultListing = { archives: [], refused: [] }
    for (const k of await this.#keys(base)) {
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
    return (await this.#keys(base, '/')).filter(k => k.key.endsWith('/')).map(k => k.key.slice(base.length, -1)).filter(f => f !== '' && !f.startsWith('.')).sort()
  }

  async open (cluster: string, name: string, maxBytes: number): Promise<OpenedArchive> {
    const res = await this.#send(signal => this.#client.send(new GetObjectCommand({ Bucket: this.#cfg.bucket, Key: this.#key(cluster, name) }), { abortSignal: signal }))
    const size = res.ContentLength ?? 0
    const body = res.Body as Readable | undefined
    const mtimeMs = res.LastModified?.getTime() ?? 0
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
    const dir = await mkdtemp(join(tmpdir(), 'license-exporter-object-'))
    try {
      await pipeline(body, createWriteStream(join(dir, 'archive.zip'), { mode: 0o600 }))
      const handle = await open(join(dir, 'archive.zip'), 'r')
      const st = await handle.stat()
      return { size: st.size, mtimeMs, ino: 0, bytes: { handle, size: st.size }, close: async () => { await handle.close().catch(() => undefined); await rm(dir, { recursive: true, force: true }) } }
    } catch (err) {
      await rm(dir, { recursive: true, force: true })
      throw err instanceof VaultError ? err : storeError(err, this.#cfg.bucket)
    }
  }

  async stat (cluster: string, name: string): Promise<StoredArchive | undefined> {
    const takenMs = archiveTime(name)
    if (takenMs === undefined) return undefined
    try {
      const h = await this.#client.send(new HeadObjectCommand({ Bucket: this.#cfg.bucket, Key: this.#key(cluster, name) }), { abortSignal: AbortSignal.timeout(this.#cfg.timeout) })
      return { name, takenMs, size: h.ContentLength ?? 0, mtimeMs: h.LastModified?.getTime() ?? 0, ino: 0 }
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined
      throw storeError(err, this.#cfg.bucket)
    }
  }

  async put (cluster: string, name: string, body: Buffer, metadata: ArchiveMetadata): Promise<'created' | 'exists'> {
    const sha = createHash('sha256').update(body).digest()
    if (archiveSha(name) !== sha.toString('hex')) throw new VaultError('io', `${name} does not carry the SHA-256 of its bytes`)
    const lock = this.#cfg.object_lock
    try {
      await this.#client.send(new PutObjectCommand({
        Bucket: this.#cfg.bucket, Key: this.#key(cluster, name), Body: body, ContentType: 'application/zip',
        IfNoneMatch: '*', ChecksumAlgorithm: 'SHA256', ChecksumSHA256: sha.toString('base64'), Metadata: metadata,
        ...(lock !== undefined ? { ObjectLockMode: lock.mode, ObjectLockRetainUntilDate: new Date(Date.now() + lock.retain) } : {}),
      }), { abortSignal: AbortSignal.timeout(this.#cfg.timeout) })
      return 'created'
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
      // Another writer (a replica) stored this very name, so these very bytes, first.
      if (status === 412 || status === 409) return 'exists'
      throw storeError(err, this.#cfg.bucket)
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
    return removed
  }
}
