/**
 * The `products_daily_*.csv` files of an IBM audit snapshot zip, read with yauzl under limits that hold
 * against zip bombs: the entry count (checked before any entry is read), and the uncompressed bytes per
 * entry and in total, counted while inflating (a header that understates the size does not help: output
 * beyond the declared size is an error too). Only matching entries are inflated. Never throws on bad input:
 * every failure is a value with a stable `reason`.
 */
import { crc32 } from 'node:zlib'
import yauzl from 'yauzl'
import type { Entry, ZipFile } from 'yauzl'

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

/** One matching entry: its path inside the zip and its text (UTF-8; a BOM is kept for the CSV parser). */
export interface DailyEntry {
  name: string
  text: string
}

/**
 * Why an archive could not be read: `zip_bomb` (a limit was exceeded, or an entry inflates beyond its
 * declared size), `invalid_zip` (not a zip, truncated, damaged, checksum mismatch, encrypted or unsupported
 * compression).
 */
export type ZipFailureReason = 'zip_bomb' | 'invalid_zip'

/** Result of reading an archive. */
export type DailyEntries = { ok: true, entries: DailyEntry[] } | { ok: false, reason: ZipFailureReason, message: string }

/** Whether a zip path names a daily products report: its last segment is `products_daily_*.csv`. */
export function isDailyEntry (path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1)
  return /^products_daily_.*\.csv$/i.test(base)
}

class Failure extends Error {
  constructor (readonly reason: ZipFailureReason, message: string) { super(message) }
}

const MiB = (n: number): string => `${(n / 1024 / 1024).toFixed(n >= 1024 * 1024 ? 0 : 2)} MiB`

/** Read the `products_daily_*.csv` entries of a zip held in memory. Never rejects. */
export async function readDailyEntries (zip: Buffer, limits: Partial<ZipLimits> = {}): Promise<DailyEntries> {
  const lim: ZipLimits = { ...DEFAULT_ZIP_LIMITS, ...limits }
  let file: ZipFile | undefined
  try {
    try {
      file = await yauzl.fromBufferPromise(zip, { lazyEntries: true, validateEntrySizes: false, strictFileNames: false, decodeStrings: true })
    } catch (err) {
      throw new Failure('invalid_zip', `not a readable zip: ${messageOf(err)}`)
    }
    if (file.entryCount > lim.maxEntries) {
      throw new Failure('zip_bomb', `zip holds ${file.entryCount} entries, more than the limit of ${lim.maxEntries}`)
    }
    const entries: DailyEntry[] = []
    let total = 0
    let seen = 0
    for await (const entry of entriesOf(file)) {
      seen++
      if (seen > lim.maxEntries) throw new Failure('zip_bomb', `zip holds more than ${lim.maxEntries} entries`)
      if (entry.fileName.endsWith('/') || !isDailyEntry(entry.fileName)) continue
      if (!entry.canDecodeFileData()) throw new Failure('invalid_zip', `entry ${entry.fileName} is encrypted or uses an unsupported compression method`)
      if (entry.uncompressedSize > lim.maxEntryBytes) {
        throw new Failure('zip_bomb', `entry ${entry.fileName} declares ${MiB(entry.uncompressedSize)} uncompressed, more than the limit of ${MiB(lim.maxEntryBytes)} per entry`)
      }
      const data = await inflate(file, entry, Math.min(lim.maxEntryBytes, lim.maxTotalBytes - total), total, lim)
      total += data.length
      entries.push({ name: entry.fileName, text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(data) })
    }
    return { ok: true, entries }
  } catch (err) {
    if (err instanceof Failure) return { ok: false, reason: err.reason, message: err.message }
    return { ok: false, reason: 'invalid_zip', message: messageOf(err) }
  } finally {
    if (file?.isOpen === true) file.close()
  }
}

/** The entries of a lazily read zip, one at a time. */
async function * entriesOf (file: ZipFile): AsyncGenerator<Entry> {
  while (true) {
    const next = await new Promise<Entry | null>((resolve, reject) => {
      const cleanup = (): void => {
        file.removeListener('entry', onEntry)
        file.removeListener('end', onEnd)
        file.removeListener('error', onError)
      }
      const onEntry = (e: Entry): void => { cleanup(); resolve(e) }
      const onEnd = (): void => { cleanup(); resolve(null) }
      const onError = (err: unknown): void => { cleanup(); reject(new Failure('invalid_zip', `damaged central directory: ${messageOf(err)}`)) }
      file.once('entry', onEntry)
      file.once('end', onEnd)
      file.once('error', onError)
      file.readEntry()
    })
    if (next === null) return
    yield next
  }
}

/**
 * Inflate one entry, counting the bytes as they come: more than the entry declares (a lying header), or more
 * than `budget` (what the total limit leaves), stops the stream with `zip_bomb`. The CRC-32 must match.
 */
async function inflate (file: ZipFile, entry: Entry, budget: number, totalBefore: number, lim: ZipLimits): Promise<Buffer> {
  let stream
  try {
    stream = await file.openReadStreamPromise(entry)
  } catch (err) {
    throw new Failure('invalid_zip', `entry ${entry.fileName}: ${messageOf(err)}`)
  }
  const chunks: Buffer[] = []
  let n = 0
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      n += chunk.length
      if (n > entry.uncompressedSize) {
        throw new Failure('zip_bomb', `entry ${entry.fileName} inflates beyond its declared ${entry.uncompressedSize} bytes`)
      }
      // The declared size was checked against the per-entry limit, so beyond the budget is beyond the total.
      if (n > budget) {
        throw new Failure('zip_bomb', `matching entries inflate to more than the limit of ${MiB(lim.maxTotalBytes)} in total (${MiB(totalBefore)} before ${entry.fileName})`)
      }
      chunks.push(chunk)
    }
  } catch (err) {
    if (err instanceof Failure) throw err
    throw new Failure('invalid_zip', `entry ${entry.fileName}: ${messageOf(err)}`)
  } finally {
    stream.destroy()
  }
  if (n !== entry.uncompressedSize) throw new Failure('invalid_zip', `entry ${entry.fileName} inflates to ${n} bytes, not the declared ${entry.uncompressedSize}`)
  const data = Buffer.concat(chunks, n)
  if ((crc32(data) >>> 0) !== (entry.crc32 >>> 0)) throw new Failure('invalid_zip', `entry ${entry.fileName}: CRC-32 mismatch`)
  return data
}

function messageOf (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
