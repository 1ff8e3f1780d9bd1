/**
 * Reading the entries of a zip with yauzl: opening it from a buffer or from a file the caller owns, the
 * entries one at a time, names as data, and each entry's bytes inflated under limits (declared size, a
 * budget, CRC-32). Entries up to {@link SYNC_INFLATE_BYTES} are inflated in one call (the index runs in its
 * own thread, so that blocks nothing and saves the round trips of a stream); bigger ones are streamed.
 */
import type { FileHandle } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { crc32, inflateRawSync } from 'node:zlib'
import yauzl from 'yauzl'
import type { Entry, ZipFile } from 'yauzl'

/** Entries up to this many bytes (declared) are inflated in one call. */
export const SYNC_INFLATE_BYTES = 4 * 1024 * 1024

/** A failure with a stable reason (`zip_bomb`, `invalid_zip`, ...). */
export class ZipFailure<R extends string = string> extends Error {
  constructor (readonly reason: R, message: string) { super(message) }
}

/** A zip to read: an open file (left open; the caller closes it) or a buffer. */
export type ZipSource = { handle: FileHandle, size: number } | { buffer: Buffer }

/**
 * Reads a zip through a `FileHandle` the caller owns: yauzl never closes it, and closing it waits for reads
 * in flight (yauzl's own fd reader would close the descriptor itself, which the handle then closes again).
 */
class HandleReader extends yauzl.RandomAccessReader {
  readonly #handle: FileHandle
  constructor (handle: FileHandle) {
    super()
    this.#handle = handle
  }

  override _readStreamForRange (start: number, end: number): Readable {
    const handle = this.#handle
    let pos = start
    return new Readable({
      highWaterMark: 64 * 1024,
      read (size) {
        const n = Math.min(size, end - pos)
        if (n <= 0) { this.push(null); return }
        handle.read(Buffer.allocUnsafe(n), 0, n, pos).then(({ bytesRead, buffer }) => {
          if (bytesRead === 0) { this.destroy(new Error('unexpected end of file')); return }
          pos += bytesRead
          this.push(buffer.subarray(0, bytesRead))
        }, (err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err))))
      },
    })
  }
}

/** Open a zip lazily (entries read one at a time), names undecoded (never validated as paths). */
export async function openZip (source: ZipSource): Promise<ZipFile> {
  const opts = { lazyEntries: true, validateEntrySizes: false, strictFileNames: false, decodeStrings: false, autoClose: false }
  try {
    return 'handle' in source ? await yauzl.fromRandomAccessReaderPromise(new HandleReader(source.handle), source.size, opts) : await yauzl.fromBufferPromise(source.buffer, opts)
  } catch (err) {
    throw new ZipFailure('invalid_zip', `not a readable zip: ${messageOf(err)}`)
  }
}

/** An entry's name as text (UTF-8 when flagged, else CP437, read as Latin-1 for matching), `\` as `/`. */
export function entryName (entry: Entry): string {
  return entry.fileNameRaw.toString((entry.generalPurposeBitFlag & 0x800) !== 0 ? 'utf8' : 'latin1').replace(/\\/g, '/')
}

/** The entries of a lazily read zip, one at a time. */
export async function * entriesOf (file: ZipFile): AsyncGenerator<Entry> {
  while (true) {
    const next = await new Promise<Entry | null>((resolve, reject) => {
      const cleanup = (): void => {
        file.removeListener('entry', onEntry)
        file.removeListener('end', onEnd)
        file.removeListener('error', onError)
      }
      const onEntry = (e: Entry): void => { cleanup(); resolve(e) }
      const onEnd = (): void => { cleanup(); resolve(null) }
      const onError = (err: unknown): void => { cleanup(); reject(new ZipFailure('invalid_zip', `damaged central directory: ${messageOf(err)}`)) }
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
 * Inflate one entry into `onChunk`, counting the bytes: more than the entry declares (a lying header) is
 * `zip_bomb`; more than `budget` calls `overBudget` (or is `zip_bomb`). The size and CRC-32 must match at the
 * end. What `onChunk` throws passes through. Returns the bytes inflated.
 */
export async function inflate (file: ZipFile, entry: Entry, name: string, budget: number, onChunk: (c: Buffer) => void, overBudget?: () => never): Promise<number> {
  if (entry.isEncrypted() || !entry.canDecodeFileData()) throw new ZipFailure('invalid_zip', `entry ${name} is encrypted or uses an unsupported compression method`)
  // Deflate never grows data by more than a few bytes per 16 KiB block: more compressed bytes than that is a
  // damaged or hostile entry (and would otherwise be read whole before any other check).
  const most = entry.compressionMethod === 0 ? entry.uncompressedSize : entry.uncompressedSize + Math.ceil(entry.uncompressedSize / 100) + 1024
  if (entry.compressedSize > most) throw new ZipFailure('zip_bomb', `entry ${name} holds ${entry.compressedSize} compressed bytes for ${entry.uncompressedSize} declared: its header understates its size`)
  const small = entry.uncompressedSize <= SYNC_INFLATE_BYTES
  let stream: Readable
  try {
    stream = await file.openReadStreamPromise(entry, small && entry.compressionMethod === 8 ? { decompress: false } : {})
  } catch (err) {
    throw new ZipFailure('invalid_zip', `entry ${name}: ${messageOf(err)}`)
  }
  let n = 0
  let crc = 0
  const take = (chunk: Buffer): void => {
    n += chunk.length
    if (n > entry.uncompressedSize) throw new ZipFailure('zip_bomb', `entry ${name} inflates beyond its declared ${entry.uncompressedSize} bytes`)
    if (n > budget) {
      overBudget?.()
      throw new ZipFailure('zip_bomb', `entry ${name} inflates to more than ${budget} bytes`)
    }
    crc = crc32(chunk, crc)
    onChunk(chunk)
  }
  try {
    const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>
    const raw: Buffer[] = []
    for (;;) {
      let next: IteratorResult<Buffer>
      try {
        next = await chunks.next()
      } catch (err) {
        throw new ZipFailure('invalid_zip', `entry ${name}: ${messageOf(err)}`)
      }
      if (next.done === true) break
      if (small) raw.push(next.value)
      else take(next.value)
    }
    if (small) take(entry.compressionMethod === 0 ? Buffer.concat(raw) : inflateWhole(Buffer.concat(raw), entry, name))
  } finally {
    stream.destroy()
  }
  if (n !== entry.uncompressedSize) throw new ZipFailure('invalid_zip', `entry ${name} inflates to ${n} bytes, not the declared ${entry.uncompressedSize}`)
  if ((crc >>> 0) !== (entry.crc32 >>> 0)) throw new ZipFailure('invalid_zip', `entry ${name}: CRC-32 mismatch`)
  return n
}

/** Inflate a small entry in one call, never past one byte more than it declares. */
function inflateWhole (raw: Buffer, entry: Entry, name: string): Buffer {
  try {
    return inflateRawSync(raw, { maxOutputLength: entry.uncompressedSize + 1 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new ZipFailure('zip_bomb', `entry ${name} inflates beyond its declared ${entry.uncompressedSize} bytes`)
    throw new ZipFailure('invalid_zip', `entry ${name}: ${messageOf(err)}`)
  }
}

/** The message of an error value. */
export function messageOf (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
