/** An archive's bytes, whole or through a file handle: reading them all, hashing them. */
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ArchiveBytes } from './store.js'
import { VaultError } from './vault.js'

const HASH_CHUNK = 256 * 1024

/** Read `size` bytes of a file from its start; a file that shrinks meanwhile is a {@link VaultError}. */
export async function readAll (handle: FileHandle, size: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(size)
  for (let pos = 0; pos < size;) {
    const { bytesRead } = await handle.read(buffer, pos, size - pos, pos).catch((err: unknown) => { throw new VaultError('io', `cannot read: ${String(err)}`) })
    if (bytesRead === 0) throw new VaultError('io', 'the file shrank while it was read')
    pos += bytesRead
  }
  return buffer
}

/** The bytes in memory (a file is read whole). */
export function wholeBytes (bytes: ArchiveBytes): Promise<Buffer> {
  return 'buffer' in bytes ? Promise.resolve(bytes.buffer) : readAll(bytes.handle, bytes.size)
}

/** The SHA-256 (hex) of an archive's bytes, streamed from its file when it is big. */
export async function sha256Of (bytes: ArchiveBytes): Promise<string> {
  const hash = createHash('sha256')
  if ('buffer' in bytes) return hash.update(bytes.buffer).digest('hex')
  const buf = Buffer.allocUnsafe(HASH_CHUNK)
  for (let pos = 0; ;) {
    const { bytesRead } = await bytes.handle.read(buf, 0, buf.length, pos).catch((err: unknown) => { throw new VaultError('io', `cannot read: ${String(err)}`) })
    if (bytesRead === 0) break
    hash.update(buf.subarray(0, bytesRead))
    pos += bytesRead
  }
  return hash.digest('hex')
}

/**
 * Write a body of `size` announced bytes to a private temp file and open it; `close` removes it. More bytes
 * than announced is a {@link VaultError}; on any failure the temp folder is removed.
 */
export async function spillToTempFile (body: Readable, size: number, name: string): Promise<{ handle: FileHandle, size: number, close: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'license-exporter-object-'))
  try {
    let n = 0
    await pipeline(body, async function * (src: AsyncIterable<Buffer>) {
      for await (const c of src) {
        n += c.length
        if (n > size) throw new VaultError('io', `${name}: more bytes than announced`)
        yield c
      }
    }, createWriteStream(join(dir, 'archive.zip'), { mode: 0o600 }))
    const handle = await open(join(dir, 'archive.zip'), 'r')
    const st = await handle.stat()
    return { handle, size: st.size, close: async () => { await handle.close().catch(() => undefined); await rm(dir, { recursive: true, force: true }) } }
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}
