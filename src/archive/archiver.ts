/**
 * Audit snapshot archive (opt-in per IBM cluster): download `/snapshot` on a schedule, check that it is a
 * structurally valid zip, write it atomically (temp file + rename) as `<directory>/<cluster>/<time>.zip`,
 * keep the newest `keep`, and export `license_snapshot_last_success_timestamp_seconds` and
 * `license_snapshot_size_bytes`. A failed or corrupt download never removes or replaces a good archive.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { Config } from '../config/schema.js'
import { classifyError } from '../sources/errors.js'
import { authFor, type IbmCluster, type SnapshotConfig } from '../sources/ibm/source.js'
import { createHttpTarget, httpGet } from '../sources/http.js'
import type { Store } from '../polling/store.js'
import { scrub } from '../util/redact.js'

const ARCHIVE_NAME = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.zip$/

/** File name of an archive taken at `ms`: sortable, unique to the millisecond. */
export function archiveName (ms: number): string {
  return `${new Date(ms).toISOString().replace(/:/g, '-').replace('.', '-')}.zip`
}

/**
 * Check the zip structure: local header at the start, an end-of-central-directory record whose central
 * directory lies inside the file and holds as many entries as it says, each with a valid signature.
 * Returns the entry count, or a reason it is not a valid zip.
 */
export function checkZip (buf: Buffer): { ok: true, entries: number } | { ok: false, reason: string } {
  if (buf.length < 22) return { ok: false, reason: 'too short for a zip' }
  if (buf.readUInt32LE(0) !== 0x04034b50) return { ok: false, reason: 'no zip local file header at the start' }
  let eocd = -1
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break }
  }
  if (eocd < 0) return { ok: false, reason: 'no end of central directory (truncated?)' }
  const entries = buf.readUInt16LE(eocd + 10)
  const cdSize = buf.readUInt32LE(eocd + 12)
  const cdOffset = buf.readUInt32LE(eocd + 16)
  if (entries === 0) return { ok: false, reason: 'zip has no entries' }
  if (cdOffset + cdSize > eocd) return { ok: false, reason: 'central directory outside the file' }
  let p = cdOffset
  for (let n = 0; n < entries; n++) {
    if (p + 46 > eocd || buf.readUInt32LE(p) !== 0x02014b50) return { ok: false, reason: `central directory entry ${n} is damaged` }
    const localOffset = buf.readUInt32LE(p + 42)
    if (localOffset + 4 > cdOffset || buf.readUInt32LE(localOffset) !== 0x04034b50) return { ok: false, reason: `entry ${n} points outside the data` }
    p += 46 + buf.readUInt16LE(p + 28) + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32)
  }
  return { ok: true, entries }
}

/** The archive files of a cluster directory, oldest first. */
async function archives (dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter(f => ARCHIVE_NAME.test(f)).sort()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
}

interface Entry {
  cluster: IbmCluster & { snapshot: SnapshotConfig }
  key: string
  timer: NodeJS.Timeout | undefined
  running: Promise<void> | undefined
  removed: boolean
}

/** Result of one download attempt. */
export type SnapshotResult = { ok: true, file: string, bytes: number } | { ok: false, reason: string, message: string }

/** Schedules snapshot downloads for the IBM clusters that opt in. */
export class SnapshotArchiver {
  readonly #store: Store
  readonly #log: Logger
  readonly #now: () => number
  #entries = new Map<string, Entry>()
  #started = false

  constructor (opts: { store: Store, log: Logger, now?: () => number }) {
    this.#store = opts.store
    this.#log = opts.log
    this.#now = opts.now ?? Date.now
  }

  /** Apply a (new) config: schedule new opt-ins, drop removed ones, keep unchanged ones. */
  apply (config: Config): void {
    const next = new Map<string, Entry>()
    for (const c of config.clusters) {
      if (c.type !== 'ibm_license_service' || c.snapshot === undefined) continue
      const cluster = { ...c, snapshot: c.snapshot }
      const key = JSON.stringify(cluster)
      const old = this.#entries.get(c.name)
      if (old !== undefined && old.key === key) { next.set(c.name, old); continue }
      if (old !== undefined) { old.removed = true; clearTimeout(old.timer) }
      const entry: Entry = { cluster, key, timer: undefined, running: undefined, removed: false }
      next.set(c.name, entry)
      if (this.#started) void this.#scheduleFromDisk(entry)
    }
    for (const [name, old] of this.#entries) if (!next.has(name)) { old.removed = true; clearTimeout(old.timer) }
    this.#entries = next
  }

  /** Start: each opted-in cluster downloads when its newest archive is older than its interval. */
  start (): void {
    this.#started = true
    for (const e of this.#entries.values()) void this.#scheduleFromDisk(e)
  }

  /** Stop scheduling and wait for downloads in flight. */
  async stop (): Promise<void> {
    this.#started = false
    for (const e of this.#entries.values()) clearTimeout(e.timer)
    await Promise.allSettled([...this.#entries.values()].map(e => e.running))
  }

  /** Download now (for tests and the first run). */
  async runNow (name: string): Promise<SnapshotResult> {
    const e = this.#entries.get(name)
    if (e === undefined) return { ok: false, reason: 'not_found', message: `no snapshot archive configured for ${name}` }
    return this.#download(e)
  }

  async #scheduleFromDisk (e: Entry): Promise<void> {
    const dir = join(e.cluster.snapshot.directory, e.cluster.name)
    let dueAt = this.#now()
    try {
      const files = await archives(dir)
      const newest = files.at(-1)
      if (newest !== undefined) {
        const st = await stat(join(dir, newest))
        this.#publish(e.cluster.name, st.mtimeMs, st.size)
        dueAt = st.mtimeMs + e.cluster.snapshot.interval
      }
    } catch (err) {
      this.#log.warn({ cluster: e.cluster.name, err: String(err) }, 'cannot read snapshot directory')
    }
    this.#schedule(e, dueAt)
  }

  #schedule (e: Entry, atMs: number): void {
    if (!this.#started || e.removed) return
    clearTimeout(e.timer)
    e.timer = setTimeout(() => {
      e.timer = undefined
      void this.#download(e).then(() => this.#schedule(e, this.#now() + e.cluster.snapshot.interval))
    }, Math.max(0, atMs - this.#now()))
    e.timer.unref()
  }

  #publish (name: string, atMs: number, bytes: number): void {
    this.#store.setExtra(name, 'license_snapshot_last_success_timestamp_seconds', atMs / 1000)
    this.#store.setExtra(name, 'license_snapshot_size_bytes', bytes)
  }

  #download (e: Entry): Promise<SnapshotResult> {
    const run = this.#downloadOnce(e)
    e.running = run.then(() => undefined)
    return run
  }

  async #downloadOnce (e: Entry): Promise<SnapshotResult> {
    const { cluster } = e
    const cfg = cluster.snapshot
    const secrets = cluster.token === undefined ? [] : [cluster.token]
    const failed = (reason: string, message: string): SnapshotResult => {
      const safe = scrub(message, secrets)
      this.#log.warn({ cluster: cluster.name, reason, err: safe }, 'audit snapshot download failed; earlier archives kept')
      return { ok: false, reason, message: safe }
    }
    const target = createHttpTarget({ url: cluster.url, tls: cluster.tls, maxResponseBytes: cfg.max_bytes, timeoutMs: cfg.timeout })
    const signal = AbortSignal.timeout(cfg.timeout)
    let body: Buffer
    try {
      const auth = authFor(cluster.auth, cluster.token)
      body = (await httpGet(target, { path: '/snapshot', query: auth.query, headers: { accept: 'application/zip', ...auth.headers }, signal })).body
    } catch (err) {
      const pe = classifyError(err, signal.aborted)
      return failed(pe.reason, pe.message)
    } finally {
      await target.pool.destroy().catch(() => undefined)
    }
    const check = checkZip(body)
    if (!check.ok) return failed('invalid_response', `snapshot is not a valid zip: ${check.reason}`)
    const dir = join(cfg.directory, cluster.name)
    const at = this.#now()
    const file = join(dir, archiveName(at))
    const tmp = join(dir, `.${archiveName(at)}.${randomBytes(4).toString('hex')}.tmp`)
    try {
      await mkdir(dir, { recursive: true, mode: 0o750 })
      await writeFile(tmp, body, { mode: 0o640, flush: true })
      await rename(tmp, file)
      const files = await archives(dir)
      for (const old of files.slice(0, Math.max(0, files.length - cfg.keep))) await unlink(join(dir, old))
    } catch (err) {
      await unlink(tmp).catch(() => undefined)
      return failed('io', `cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
    }
    this.#publish(cluster.name, at, body.length)
    this.#log.info({ cluster: cluster.name, file, bytes: body.length, entries: check.entries }, 'audit snapshot archived')
    return { ok: true, file, bytes: body.length }
  }
}
