/**
 * An IBM audit snapshot zip, read with yauzl under limits that hold against zip bombs, streamed: each
 * `products_daily` CSV is inflated chunk by chunk straight into the CSV reader and the caller's row
 * callbacks, so memory stays bounded whatever the entry sizes. Limits: the entry count (checked before any
 * entry is read), the uncompressed bytes per entry and in total, counted while inflating (a header that
 * understates the size does not help). The CRC-32 is checked at the end of each entry: the caller must treat
 * the rows it got as provisional until the read resolves `ok` (the index does so in one transaction).
 *
 * Entry names are data, never paths: nothing is extracted, so an unsafe name (`../x`, absolute) of an
 * unrelated entry is ignored rather than refusing the snapshot. Identical copies of one CSV (same size and
 * CRC-32) are read once. Never throws on bad input: every failure is a value with a stable `reason`.
 */
import type { ZipFile } from 'yauzl'
import { CsvError } from './csv-stream.js'
import { parseDataCondition, type DataCondition } from './data-condition.js'
import { DailyCsvParser, type DailyRow, type DailyRowError } from './daily.js'
import { entriesOf, entryName, inflate, messageOf, openZip, ZipFailure, type ZipSource } from './zip-entries.js'

export type { ZipSource }

/** Limits for reading one archive. */
export interface ZipLimits {
  /** Most entries the zip may hold (all entries, matching or not). */
  maxEntries: number
  /** Most uncompressed bytes of one matching entry. */
  maxEntryBytes: number
  /** Most uncompressed bytes of all matching entries together. */
  maxTotalBytes: number
}

/** Defaults: a real snapshot is 10-100 KB with a handful of entries. */
export const DEFAULT_ZIP_LIMITS: Readonly<ZipLimits> = Object.freeze({
  maxEntries: 10_000,
  maxEntryBytes: 64 * 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
})

/** Largest `data_condition.txt` read (it is a few lines). */
const MAX_CONDITION_BYTES = 64 * 1024

/**
 * Why a snapshot could not be read: `zip_bomb` (a limit was exceeded, or an entry inflates beyond its
 * declared size), `invalid_zip` (not a zip, truncated, damaged, checksum mismatch, encrypted or unsupported
 * compression), `bad_csv` (a daily CSV that is not UTF-8 CSV or lacks its columns), `no_daily_data`.
 */
export type SnapshotFailureReason = 'zip_bomb' | 'invalid_zip' | 'bad_csv' | 'no_daily_data'

/** What the reader tells its caller, row by row. */
export interface SnapshotSink {
  row (row: DailyRow, file: string): void
  badRow (error: DailyRowError, file: string): void
  /** Asked with a plain row's date text before the row is decoded: false skips the row (see DailyCsvParser). */
  wanted?: (date: string) => boolean
}

/** What a snapshot held besides its rows. */
export interface SnapshotInfo {
  /** Entries in the zip. */
  entries: number
  /** The daily CSVs read. */
  dailyFiles: string[]
  /** Daily CSVs skipped as identical copies of one already read. */
  duplicates: string[]
  dataCondition: DataCondition | undefined
}

/** Result of reading a snapshot. */
export type SnapshotRead = { ok: true, info: SnapshotInfo } | { ok: false, reason: SnapshotFailureReason, message: string }

/** Whether a zip path names a daily products report: `products_daily` or `products-daily` in its last segment, `.csv`. */
export function isDailyEntry (path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1)
  return /(^|[^a-z])products[_-]daily.*\.csv$/i.test(base) && !/bundled/i.test(base)
}

const Failure = ZipFailure<SnapshotFailureReason>

/** What the sink threw: passed through as it is, never taken for a problem of the zip. */
class SinkFailure extends Error { constructor (readonly thrown: unknown) { super('sink failed') } }

const MiB = (n: number): string => `${(n / 1024 / 1024).toFixed(n >= 1024 * 1024 ? 0 : 2)} MiB`

/** Read a snapshot, streaming its daily rows to `sink`. Rejects only with what the sink throws. */
export async function readSnapshot (source: ZipSource, sink: SnapshotSink, limits: Partial<ZipLimits> = {}): Promise<SnapshotRead> {
  const lim: ZipLimits = { ...DEFAULT_ZIP_LIMITS, ...limits }
  let file: ZipFile | undefined
  try {
    file = await openZip(source)
    if (file.entryCount > lim.maxEntries) {
      throw new Failure('zip_bomb', `the zip holds ${file.entryCount} entries, more than the limit of ${lim.maxEntries} (a real snapshot holds a handful)`)
    }
    const info: SnapshotInfo = { entries: file.entryCount, dailyFiles: [], duplicates: [], dataCondition: undefined }
    const seen = new Set<string>()
    let total = 0
    let count = 0
    for await (const entry of entriesOf(file)) {
      if (++count > lim.maxEntries) throw new Failure('zip_bomb', `the zip holds more than ${lim.maxEntries} entries`)
      const name = entryName(entry)
      const base = name.slice(name.lastIndexOf('/') + 1)
      if (name.endsWith('/')) continue
      if (base.toLowerCase() === 'data_condition.txt' && info.dataCondition === undefined && entry.uncompressedSize <= MAX_CONDITION_BYTES) {
        const chunks: Buffer[] = []
        await inflate(file, entry, name, MAX_CONDITION_BYTES, c => { chunks.push(c) })
        info.dataCondition = parseDataCondition(Buffer.concat(chunks).toString('utf8'))
        continue
      }
      if (!isDailyEntry(name)) continue
      const identity = `${entry.uncompressedSize}:${entry.crc32}`
      if (seen.has(identity)) { info.duplicates.push(name); continue }
      seen.add(identity)
      if (entry.uncompressedSize > lim.maxEntryBytes) {
        throw new Failure('zip_bomb', `entry ${name} declares ${MiB(entry.uncompressedSize)} uncompressed, more than the limit of ${MiB(lim.maxEntryBytes)} per entry`)
      }
      const budget = Math.min(lim.maxEntryBytes, lim.maxTotalBytes - total)
      const wanted = sink.wanted === undefined ? undefined : (date: string): boolean => {
        let keep = true
        guard(() => { keep = sink.wanted!(date) })
        return keep
      }
      const parser = new DailyCsvParser(r => guard(() => sink.row(r, name)), e => guard(() => sink.badRow(e, name)), wanted)
      const csv = parser.reader()
      const overBudget = (): never => { throw new Failure('zip_bomb', `daily CSVs inflate to more than the limit of ${MiB(lim.maxTotalBytes)} in total (${MiB(total)} before ${name})`) }
      try {
        total += await inflate(file, entry, name, budget, c => csv.push(c), overBudget)
        csv.end()
      } catch (err) {
        if (err instanceof CsvError) throw new Failure('bad_csv', `${name}: ${err.message}`)
        throw err
      }
      const header = parser.headerError
      if (header !== undefined) throw new Failure('bad_csv', `${name}: ${header.reason}`)
      info.dailyFiles.push(name)
    }
    if (info.dailyFiles.length === 0) throw new Failure('no_daily_data', 'the snapshot holds no products_daily CSV')
    return { ok: true, info }
  } catch (err) {
    if (err instanceof SinkFailure) throw err.thrown
    if (err instanceof ZipFailure) return { ok: false, reason: err.reason as SnapshotFailureReason, message: err.message }
    return { ok: false, reason: 'invalid_zip', message: messageOf(err) }
  } finally {
    if (file?.isOpen === true) file.close()
  }
}

function guard (fn: () => void): void {
  try {
    fn()
  } catch (err) {
    throw new SinkFailure(err)
  }
}
