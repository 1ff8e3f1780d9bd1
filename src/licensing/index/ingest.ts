/**
 * One archive into the index: opened as a regular file only, hashed, its daily CSVs streamed row by row into
 * the tables in one transaction (rolled back when the zip turns out damaged at the end). "Newest archive
 * wins" is resolved here: a day goes to this archive only when no newer archive of the cluster is its
 * source already, and then replaces what an older one gave.
 *
 * Rows are refused (counted by reason, never used) when they are dated after the snapshot (its time plus
 * {@link ZONE_SLACK_MS}, for clusters east of UTC). A row that cannot be read makes its product and day
 * unknown (see multicluster.ts). An archive dated after the clock is quarantined unread.
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { FUTURE_TOLERANCE_MS } from '../../archive/retention.js'
import { openArchive, VaultError, type OpenArchive } from '../../archive/vault.js'
import type { DailyRowError } from '../daily.js'
import { dayNumber } from '../period.js'
import { ALL_PRODUCTS } from '../report-builder.js'
import { readSnapshot, type ZipLimits, type ZipSource } from '../zip.js'
import type { ArchiveRecord, ArchiveRow, IndexStore } from './store.js'

/** Rows may be dated up to this long after the snapshot's UTC time (the cluster's day may be ahead of UTC). */
export const ZONE_SLACK_MS = 14 * 3_600_000
/** Most distinct unreadable (day, product) pairs kept per archive; beyond, every day it is the source of is unknown. */
const MAX_UNKNOWN = 100_000
const HASH_CHUNK = 256 * 1024
/** Archives up to this size are read with one read and parsed from memory (fewer round trips to the disk). */
const WHOLE_FILE_BYTES = 8 * 1024 * 1024
/** Days before a snapshot's last day whose sources are read in one query (two years and some). */
const NEAR_DAYS = 800

/** The archive to read. */
export interface IngestTarget {
  cluster: number
  directory: string
  clusterName: string
  name: string
  takenMs: number
}

/** Settings of a read. */
export interface IngestOptions {
  nowMs: number
  /** Largest archive read (bigger files are refused). */
  maxArchiveBytes: number
  limits?: Partial<ZipLimits>
}

/** What became of an archive: its verdict, or `io` when it could not be read now (tried again later). */
export type IngestOutcome = { state: 'good' | 'refused' | 'quarantined', reason?: string, message?: string } | { state: 'io', message: string }

class Refusal extends Error {
  constructor (readonly reason: string, message: string) { super(message) }
}

/** The file of an archive. */
export function archivePath (t: Pick<IngestTarget, 'directory' | 'clusterName' | 'name'>): string {
  return join(t.directory, t.clusterName, t.name)
}

/** Read an archive the index has no row for, and record its verdict (one with a row is left as it is). */
export async function ingestArchive (store: IndexStore, t: IngestTarget, opts: IngestOptions): Promise<IngestOutcome> {
  const known = store.archive(t.cluster, t.name)
  if (known !== undefined) return { state: known.state, ...(known.reason !== null ? { reason: known.reason } : {}), ...(known.message !== null ? { message: known.message } : {}) }
  let opened: OpenArchive
  try {
    opened = await openArchive(archivePath(t))
  } catch (err) {
    if (err instanceof VaultError && err.reason === 'not_regular') return record(store, t, undefined, 'refused', 'not_regular', err.message, opts.nowMs)
    return { state: 'io', message: err instanceof Error ? err.message : String(err) }
  }
  try {
    const source = await sourceOf(opened)
    const base = { size: opened.size, mtime_ms: opened.mtimeMs, ino: opened.ino, sha256: 'buffer' in source ? hashOf(source.buffer) : await sha256(opened) }
    if (t.takenMs > opts.nowMs + FUTURE_TOLERANCE_MS) {
      return record(store, t, base, 'quarantined', 'future', `dated ${new Date(t.takenMs).toISOString()}, after the clock (${new Date(opts.nowMs).toISOString()}): not used until the clock passes it; check the clock or the file name`, opts.nowMs)
    }
    if (opened.size > opts.maxArchiveBytes) return record(store, t, base, 'refused', 'too_large', `${opened.size} bytes, more than the largest snapshot read (${opts.maxArchiveBytes})`, opts.nowMs)
    try {
      await store.transaction(async () => {
        const id = store.upsertArchive(t.cluster, { ...empty(t, base, 'good'), indexed_ms: opts.nowMs })
        const { claimed: _claimed, ...loaded } = await load(store, source, t, id, undefined, opts)
        store.upsertArchive(t.cluster, { ...empty(t, base, 'good'), ...loaded, indexed_ms: opts.nowMs })
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
 * it became the source of. Nothing happens when the file is no longer the one indexed (the next sync sees it).
 */
export async function rereadDays (store: IndexStore, t: IngestTarget, row: ArchiveRow, days: ReadonlySet<number>, opts: IngestOptions): Promise<Set<number>> {
  let opened: OpenArchive
  try {
    opened = await openArchive(archivePath(t))
  } catch {
    return new Set()
  }
  try {
    if (opened.size !== row.size || opened.mtimeMs !== row.mtime_ms || opened.ino !== row.ino) return new Set()
    const source = await sourceOf(opened)
    return await store.transaction(async () => (await load(store, source, t, row.id, days, opts)).claimed)
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

/** The rows of an archive into the tables; only `onlyDays` when given. Throws a {@link Refusal} for a bad snapshot. */
async function load (store: IndexStore, source: ZipSource, t: IngestTarget, id: number, onlyDays: ReadonlySet<number> | undefined, opts: IngestOptions) {
  const lastDay = dayNumber(new Date(t.takenMs + ZONE_SLACK_MS).toISOString().slice(0, 10))
  const decisions = new Map<number, boolean>()
  const coverage = new Set<number>()
  const refused: Record<string, number> = {}
  const unknownAt = new Set<string>()
  const unknownAll = new Set<number>()
  let everything = false
  let rows = 0
  // The current source of each day near this archive's, read once (days further back are looked up one by one).
  const near = onlyDays === undefined ? store.winners(t.cluster, lastDay - NEAR_DAYS, lastDay) : new Map<number, { id: number, taken_ms: number }>()
  const wins = (d: number): boolean => {
    let w = decisions.get(d)
    if (w === undefined) {
      const current = onlyDays !== undefined && !onlyDays.has(d) ? { id: -1, taken_ms: Infinity }
        : d >= lastDay - NEAR_DAYS && onlyDays === undefined ? near.get(d) : store.winner(t.cluster, d)
      w = current === undefined || current.id === id || current.taken_ms < t.takenMs
      if (w && current?.id !== id) store.claimDay(t.cluster, d, id, t.takenMs)
      decisions.set(d, w)
    }
    return w
  }
  const dayNumbers = new Map<string, number>()
  const dayOf = (date: string): number | undefined => {
    let d = dayNumbers.get(date)
    if (d === undefined) dayNumbers.set(date, (d = dayNumber(date)))
    if (d <= lastDay && d >= 0) return d
    refused.after_snapshot = (refused.after_snapshot ?? 0) + 1
    return undefined
  }
  const productOf = (e: DailyRowError): number =>
    e.productName === undefined || e.metric === undefined ? ALL_PRODUCTS : store.productId(e.productName, e.productId ?? '', e.metric)
  const read = await readSnapshot(source, {
    row (r) {
      const d = dayOf(r.date)
      if (d === undefined) return
      coverage.add(d)
      rows++
      if (wins(d)) store.addUsage(t.cluster, d, store.productId(r.productName, r.productId, r.metric), Math.round(r.value * 1e6))
    },
    badRow (e) {
      refused.unreadable = (refused.unreadable ?? 0) + 1
      const d = e.date === undefined ? undefined : dayOf(e.date)
      if (e.date !== undefined && d === undefined) return
      if (d === undefined) { unknownAll.add(productOf(e)); return }
      coverage.add(d)
      if (!wins(d)) return
      if (unknownAt.size < MAX_UNKNOWN) unknownAt.add(`${d}:${productOf(e)}`)
      else everything = true
    },
  }, opts.limits)
  if (!read.ok) throw new Refusal(read.reason, read.message)
  if (everything) unknownAll.add(ALL_PRODUCTS)
  for (const k of unknownAt) { const [d, p] = k.split(':').map(Number) as [number, number]; store.addUnknown(t.cluster, d, p) }
  const claimed = new Set([...decisions].filter(([, w]) => w).map(([d]) => d))
  for (const d of claimed) for (const p of unknownAll) store.addUnknown(t.cluster, d, p)
  return { ...coverageOf(coverage), rows_read: rows, rows_refused: JSON.stringify(refused), cluster_id: read.info.dataCondition?.cluster ?? null, claimed }
}

/** The days an archive has rows for: first and last day, and a bitmap between them. */
function coverageOf (days: ReadonlySet<number>): Pick<ArchiveRecord, 'first_day' | 'last_day' | 'coverage'> {
  if (days.size === 0) return { first_day: null, last_day: null, coverage: null }
  let first = Infinity
  let last = -Infinity
  for (const d of days) { if (d < first) first = d; if (d > last) last = d }
  const bits = new Uint8Array(((last - first) >> 3) + 1)
  for (const d of days) bits[(d - first) >> 3]! |= 1 << ((d - first) & 7)
  return { first_day: first, last_day: last, coverage: bits }
}

/** Whether an indexed archive has rows for day `d`. */
export function coversDay (row: Pick<ArchiveRow, 'first_day' | 'last_day' | 'coverage'>, d: number): boolean {
  if (row.first_day === null || row.last_day === null || row.coverage === null || d < row.first_day || d > row.last_day) return false
  return ((row.coverage[(d - row.first_day) >> 3] ?? 0) & (1 << ((d - row.first_day) & 7))) !== 0
}
