/**
 * One archive into the index: opened from its vault (a regular file only, or an object), hashed (and checked
 * against the SHA-256 a content-addressed name carries), its daily CSVs streamed row by row into the tables
 * in one transaction (rows.ts; rolled back when the zip turns out damaged at the end), and its verdict
 * recorded: good, refused with a reason, or quarantined unread when dated after the clock.
 */
import { FUTURE_TOLERANCE_MS } from '../../archive/retention.js'
import { sha256Of } from '../../archive/bytes.js'
import { StoreError, type OpenedArchive } from '../../archive/store.js'
import { archiveSha, VaultError } from '../../archive/vault.js'
import type { ZipLimits } from '../zip.js'
import { coversDay, loadRows, Refusal, ZONE_SLACK_MS, type IngestTarget } from './rows.js'
import type { ArchiveRecord, ArchiveRow, IndexStore } from './store.js'

export { coversDay, ZONE_SLACK_MS, type IngestTarget }

/** Settings of a read. */
export interface IngestOptions {
  nowMs: number
  /** Largest archive read (bigger files are refused). */
  maxArchiveBytes: number
  limits?: Partial<ZipLimits>
}

/** What became of an archive: its verdict, or `io` when it could not be read now (tried again later). */
export type IngestOutcome = { state: 'good' | 'refused' | 'quarantined', reason?: string, message?: string } | { state: 'io', message: string }

/** An archive opened for reading (from its vault). */
export type Loaded = OpenedArchive

/** Open an archive from its vault; one over `maxBytes` is not read. Throws a {@link VaultError} or {@link StoreError}. */
export function loadArchive (t: Pick<IngestTarget, 'vault' | 'clusterName' | 'name'>, maxBytes: number): Promise<Loaded> {
  return t.vault.open(t.clusterName, t.name, maxBytes)
}

/**
 * Read an archive the index has no row for, and record its verdict (one with a row is left as it is).
 * `pre` is the archive already loaded (the engine reads the next archive while this one is parsed).
 */
export async function ingestArchive (store: IndexStore, t: IngestTarget, opts: IngestOptions, pre?: Promise<Loaded>): Promise<IngestOutcome> {
  const known = store.archive(t.cluster, t.name)
  if (known !== undefined) {
    void pre?.then(l => l.close(), () => undefined)
    return { state: known.state, ...(known.reason !== null ? { reason: known.reason } : {}), ...(known.message !== null ? { message: known.message } : {}) }
  }
  let loaded: Loaded
  try {
    loaded = await (pre ?? loadArchive(t, opts.maxArchiveBytes))
  } catch (err) {
    if (err instanceof VaultError && err.reason === 'not_regular') return record(store, t, undefined, 'refused', 'not_regular', err.message, opts.nowMs)
    return { state: 'io', message: err instanceof Error ? err.message : String(err) }
  }
  try {
    const stat = { size: loaded.size, mtime_ms: loaded.mtimeMs, ino: loaded.ino }
    if (loaded.bytes === undefined) return record(store, t, { ...stat, sha256: null }, 'refused', 'too_large', `${loaded.size} bytes, more than the largest snapshot read (${opts.maxArchiveBytes})`, opts.nowMs)
    const base = { ...stat, sha256: await sha256Of(loaded.bytes) }
    const named = archiveSha(t.name)
    if (named !== undefined && named !== base.sha256) return record(store, t, base, 'refused', 'hash_mismatch', `its SHA-256 is ${base.sha256}, not the ${named} of its name: altered or damaged in the store`, opts.nowMs)
    if (t.takenMs > opts.nowMs + FUTURE_TOLERANCE_MS) {
      return record(store, t, base, 'quarantined', 'future', `dated ${new Date(t.takenMs).toISOString()}, after the clock (${new Date(opts.nowMs).toISOString()}): not used until the clock passes it; check the clock or the file name`, opts.nowMs)
    }
    const bytes = loaded.bytes
    try {
      await store.transaction(async () => {
        const id = store.upsertArchive(t.cluster, { ...empty(t, base, 'good'), indexed_ms: opts.nowMs })
        const { claimed: _claimed, ...read } = await loadRows(store, bytes, t, id, undefined, opts.limits)
        store.upsertArchive(t.cluster, { ...empty(t, base, 'good'), ...read, indexed_ms: opts.nowMs })
      })
      return { state: 'good' }
    } catch (err) {
      if (err instanceof Refusal) return record(store, t, base, 'refused', err.reason, err.message, opts.nowMs)
      throw err
    }
  } catch (err) {
    if (err instanceof VaultError || err instanceof StoreError) return { state: 'io', message: err.message }
    throw err
  } finally {
    await loaded.close()
  }
}

/**
 * Read an indexed good archive again for some of its days (whose newer source went away); returns the days
 * it became the source of. A file touched or copied with the same bytes is used (its new size, mtime and
 * inode noted); one whose bytes changed is not (it is read anew when its change is looked at).
 */
export async function rereadDays (store: IndexStore, t: IngestTarget, row: ArchiveRow, days: ReadonlySet<number>, opts: IngestOptions): Promise<Set<number>> {
  let opened: Loaded
  try {
    opened = await loadArchive(t, opts.maxArchiveBytes)
  } catch {
    return new Set()
  }
  try {
    const bytes = opened.bytes
    if (bytes === undefined) return new Set()
    if (opened.size !== row.size || opened.mtimeMs !== row.mtime_ms || opened.ino !== row.ino) {
      if (await sha256Of(bytes) !== row.sha256) return new Set()
      store.touch(row.id, opened.size, opened.mtimeMs, opened.ino)
    }
    return await store.transaction(async () => (await loadRows(store, bytes, t, row.id, days, opts.limits)).claimed)
  } catch (err) {
    if (err instanceof Refusal || err instanceof VaultError || err instanceof StoreError) return new Set()
    throw err
  } finally {
    await opened.close()
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
  const st = await t.vault.stat(t.clusterName, t.name).catch(() => undefined)
  if (st === undefined) return
  record(store, t, { size: st.size, mtime_ms: st.mtimeMs, ino: st.ino, sha256: null }, 'refused', 'crashed', 'reading it stopped the evidence index (out of memory, or a fault): it is not read again until it changes; replace or remove the file', nowMs)
}

/** The hash and facts of an archive (to tell a changed file from a touched one). */
export async function hashArchive (t: Pick<IngestTarget, 'vault' | 'clusterName' | 'name'>, maxBytes: number): Promise<{ sha256: string, size: number, mtimeMs: number, ino: number } | undefined> {
  const a = await loadArchive(t, maxBytes)
  try {
    return a.bytes === undefined ? undefined : { sha256: await sha256Of(a.bytes), size: a.size, mtimeMs: a.mtimeMs, ino: a.ino }
  } finally {
    await a.close()
  }
}
