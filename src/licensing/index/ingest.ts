/**
 * One archive into the index: opened as a regular file only, hashed, its daily CSVs streamed row by row into
 * the tables in one transaction (rows.ts; rolled back when the zip turns out damaged at the end), and its
 * verdict recorded: good, refused with a reason, or quarantined unread when dated after the clock.
 */
import { createHash } from 'node:crypto'
import { lstat } from 'node:fs/promises'
import { join } from 'node:path'
import { FUTURE_TOLERANCE_MS } from '../../archive/retention.js'
import { openArchive, VaultError, type OpenArchive } from '../../archive/vault.js'
import type { ZipLimits, ZipSource } from '../zip.js'
import { coversDay, loadRows, Refusal, ZONE_SLACK_MS, type IngestTarget } from './rows.js'
import type { ArchiveRecord, ArchiveRow, IndexStore } from './store.js'

export { coversDay, ZONE_SLACK_MS, type IngestTarget }

const HASH_CHUNK = 256 * 1024
/** Archives up to this size are read with one read and parsed from memory (fewer round trips to the disk). */
const WHOLE_FILE_BYTES = 8 * 1024 * 1024

/** Settings of a read. */
export interface IngestOptions {
  nowMs: number
  /** Largest archive read (bigger files are refused). */
  maxArchiveBytes: number
  limits?: Partial<ZipLimits>
}

/** What became of an archive: its verdict, or `io` when it could not be read now (tried again later). */
export type IngestOutcome = { state: 'good' | 'refused' | 'quarantined', reason?: string, message?: string } | { state: 'io', message: string }

/** The file of an archive. */
export function archivePath (t: Pick<IngestTarget, 'directory' | 'clusterName' | 'name'>): string {
  return join(t.directory, t.clusterName, t.name)
}

/** An archive opened for reading, with its bytes when it is small. */
export interface Loaded { opened: OpenArchive, source: ZipSource }

/** Open an archive (a regular file only) and read it whole when small. Throws a {@link VaultError}. */
export async function loadArchive (t: Pick<IngestTarget, 'directory' | 'clusterName' | 'name'>): Promise<Loaded> {
  const opened = await openArchive(archivePath(t))
  try {
    return { opened, source: await sourceOf(opened) }
  } catch (err) {
    await opened.handle.close().catch(() => undefined)
    throw err
  }
}

/**
 * Read an archive the index has no row for, and record its verdict (one with a row is left as it is).
 * `pre` is the archive already loaded (the engine reads the next archive while this one is parsed).
 */
export async function ingestArchive (store: IndexStore, t: IngestTarget, opts: IngestOptions, pre?: Promise<Loaded>): Promise<IngestOutcome> {
  const known = store.archive(t.cluster, t.name)
  if (known !== undefined) {
    void pre?.then(l => l.opened.handle.close(), () => undefined)
    return { state: known.state, ...(known.reason !== null ? { reason: known.reason } : {}), ...(known.message !== null ? { message: known.message } : {}) }
  }
  let loaded: Loaded
  try {
    loaded = await (pre ?? loadArchive(t))
  } catch (err) {
    if (err instanceof VaultError && err.reason === 'not_regular') return record(store, t, undefined, 'refused', 'not_regular', err.message, opts.nowMs)
    return { state: 'io', message: err instanceof Error ? err.message : String(err) }
  }
  const { opened, source } = loaded
  try {
    if (opened.size > opts.maxArchiveBytes) {
      return record(store, t, { size: opened.size, mtime_ms: opened.mtimeMs, ino: opened.ino, sha256: null }, 'refused', 'too_large', `${opened.size} bytes, more than the largest snapshot read (${opts.maxArchiveBytes})`, opts.nowMs)
    }
    const base = { size: opened.size, mtime_ms: opened.mtimeMs, ino: opened.ino, sha256: 'buffer' in source ? hashOf(source.buffer) : await sha256(opened) }
    if (t.takenMs > opts.nowMs + FUTURE_TOLERANCE_MS) {
      return record(store, t, base, 'quarantined', 'future', `dated ${new Date(t.takenMs).toISOString()}, after the clock (${new Date(opts.nowMs).toISOString()}): not used until the clock passes it; check the clock or the file name`, opts.nowMs)
    }
    try {
      await store.transaction(async () => {
        const id = store.upsertArchive(t.cluster, { ...empty(t, base, 'good'), indexed_ms: opts.nowMs })
        const { claimed: _claimed, ...read } = await loadRows(store, source, t, id, undefined, opts.limits)
        store.upsertArchive(t.cluster, { ...empty(t, base, 'good'), ...read, indexed_ms: opts.nowMs })
      })
      return { state: 'good' }
    } catch (err) {
      if (err instanceof Refusal) return record(store, t, base, 'refused', err.reason, err.message, opts.nowMs)
      throw err
    }
  } catch (err) {
    if (err instanceof VaultError) return { state: 'io', message: err.message }
    throw err
  } finally {
    await opened.handle.close().catch(() => undefined)
  }
}

/**
 * Read an indexed good archive again for some of its days (whose newer source went away); returns the days
 * it became the source of. A file touched or copied with the same bytes is used (its new size, mtime and
 * inode noted); one whose bytes changed is not (it is read anew when its change is looked at).
 */
export async function rereadDays (store: IndexStore, t: IngestTarget, row: ArchiveRow, days: ReadonlySet<number>, opts: IngestOptions): Promise<Set<number>> {
  let opened: OpenArchive
  try {
    opened = await openArchive(archivePath(t))
  } catch {
    return new Set()
  }
  try {
    const source = await sourceOf(opened)
    if (opened.size !== row.size || opened.mtimeMs !== row.mtime_ms || opened.ino !== row.ino) {
      const now = 'buffer' in source ? hashOf(source.buffer) : await sha256(opened)
      if (now !== row.sha256) return new Set()
      store.touch(row.id, opened.size, opened.mtimeMs, opened.ino)
    }
    return await store.transaction(async () => (await loadRows(store, source, t, row.id, days, opts.limits)).claimed)
  } catch (err) {
    if (err instanceof Refusal || err instanceof VaultError) return new Set()
    throw err
  } finally {
    await opened.handle.close().catch(() => undefined)
  }
}

type Base = Pick<ArchiveRecord, 'size' | 'mtime_ms' | 'ino' | 'sha256'>

function empty (t: IngestTarget, base: Base, state: ArchiveRecord['state']): ArchiveRecord {
  return { name: t.name, taken_ms: t.takenMs, ...base, state, reason: null, message: null, first_day: null, last_day: null, coverage: null, rows_read: 0, rows_refused: '{}', cluster_id: null }
}

function record (store: IndexStore, t: IngestTarget, base: Base | undefined, state: 'refused' | 'quarantined', reason: string, message: string, nowMs: number): IngestOutcome {
  const b = base ?? { size: 0, mtime_ms: 0, ino: 0, sha256: null }
  store.upsertArchive(t.cluster, { ...empty(t, b, state), reason, message, indexed_ms: nowMs })
  return { state, reason, message }
}

/** Record an archive whose reading stopped the worker (out of memory, a crash): refused, not read again until it changes. */
export async function recordCrash (store: IndexStore, t: IngestTarget, nowMs: number): Promise<void> {
  if (store.archive(t.cluster, t.name) !== undefined) return
  const st = await lstat(archivePath(t)).catch(() => undefined)
  if (st === undefined) return
  record(store, t, { size: st.size, mtime_ms: st.mtimeMs, ino: st.ino, sha256: null }, 'refused', 'crashed', 'reading it stopped the evidence index (out of memory, or a fault): it is not read again until it changes; replace or remove the file', nowMs)
}

/** The hash and file facts of an archive (to tell a changed file from a touched one). */
export async function hashArchive (t: Pick<IngestTarget, 'directory' | 'clusterName' | 'name'>): Promise<{ sha256: string, size: number, mtimeMs: number, ino: number }> {
  const a = await openArchive(archivePath(t))
  try {
    return { sha256: await sha256(a), size: a.size, mtimeMs: a.mtimeMs, ino: a.ino }
  } finally {
    await a.handle.close().catch(() => undefined)
  }
}

/** What the zip reader reads: the file's bytes when small (one read), else the open file (streamed). */
async function sourceOf (a: OpenArchive): Promise<ZipSource> {
  if (a.size > WHOLE_FILE_BYTES) return { handle: a.handle, size: a.size }
  const buffer = Buffer.allocUnsafe(a.size)
  for (let pos = 0; pos < a.size;) {
    const { bytesRead } = await a.handle.read(buffer, pos, a.size - pos, pos).catch((err: unknown) => { throw new VaultError('io', `cannot read: ${String(err)}`) })
    if (bytesRead === 0) throw new VaultError('io', 'the file shrank while it was read')
    pos += bytesRead
  }
  return { buffer }
}

function hashOf (buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex')
}

async function sha256 (a: OpenArchive): Promise<string> {
  const hash = createHash('sha256')
  const buf = Buffer.allocUnsafe(HASH_CHUNK)
  for (let pos = 0; ;) {
    const { bytesRead } = await a.handle.read(buf, 0, buf.length, pos).catch((err: unknown) => { throw new VaultError('io', `cannot read: ${String(err)}`) })
    if (bytesRead === 0) break
    hash.update(buf.subarray(0, bytesRead))
    pos += bytesRead
  }
  return hash.digest('hex')
}
