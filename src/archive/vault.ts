/**
 * The evidence vault on disk: `<directory>/<cluster>/<time>.zip`, one file per archived audit snapshot.
 * Files are written once, atomically (temp file, flush, hard link, directory sync), never over an existing one,
 * and only ever removed by retention. Only regular files count: opening uses `O_NOFOLLOW | O_NONBLOCK` and
 * checks the file, so a link swapped in after a listing is not followed and a FIFO cannot block (listing.ts
 * lists folders). The snapshot time is the one in the file name; the file's mtime is never used for it.
 */
import { randomBytes } from 'node:crypto'
import { constants, type Dirent } from 'node:fs'
import { link, lstat, mkdir, open, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'

const ARCHIVE_NAME = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z(-[0-9a-f]{64})?\.zip$/
/** A temp file of {@link writeArchive} (left behind when a write was interrupted). */
export const TEMP_NAME = /^\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z(-[0-9a-f]{64})?\.zip\.[0-9a-f]+\.tmp$/

/**
 * File name of an archive taken at `ms`: sortable, unique to the millisecond. With `sha256` (object storage:
 * content-addressed), `<time>-<sha256>.zip`, so two replicas that store the same snapshot write one object.
 */
export function archiveName (ms: number, sha256?: string): string {
  return `${new Date(ms).toISOString().replace(/:/g, '-').replace('.', '-')}${sha256 === undefined ? '' : `-${sha256}`}.zip`
}

/** When an archive was taken, from its file name (Unix ms), or undefined for a name not of {@link archiveName}. */
export function archiveTime (name: string): number | undefined {
  const m = ARCHIVE_NAME.exec(name)
  if (m === null) return undefined
  const ms = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`)
  return Number.isNaN(ms) || archiveName(ms, m[6]?.slice(1)) !== name ? undefined : ms
}

/** The SHA-256 a content-addressed archive name carries (hex), if any. */
export function archiveSha (name: string): string | undefined {
  return ARCHIVE_NAME.exec(name)?.[6]?.slice(1)
}

/** The directory of a cluster's archives. */
export function clusterDir (directory: string, cluster: string): string {
  return join(directory, cluster)
}

/** A vault problem with a reason (`not_regular`, `io`, `too_large`). */
export class VaultError extends Error {
  constructor (readonly reason: 'not_regular' | 'io' | 'too_large', message: string) { super(message) }
}

/** What kind of entry something that is not a regular file is, in words. */
export function kind (e: Dirent | { isSymbolicLink (): boolean, isFIFO (): boolean, isDirectory (): boolean, isSocket (): boolean }): string {
  if (e.isSymbolicLink()) return 'a symbolic link'
  if (e.isFIFO()) return 'a FIFO'
  if (e.isDirectory()) return 'a folder'
  if (e.isSocket()) return 'a socket'
  return 'a device'
}

/** An opened archive: a regular file, never through a link. */
export interface OpenArchive {
  handle: FileHandle
  size: number
  mtimeMs: number
  ino: number
}

/** Open an archive for reading. Throws a {@link VaultError}: `not_regular` for a link, FIFO or device, `io` otherwise. */
export async function openArchive (file: string): Promise<OpenArchive> {
  let handle: FileHandle
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new VaultError('not_regular', `${file} is a symbolic link: it is not followed`)
    throw new VaultError('io', `cannot open ${file}: ${codeOf(err)}`)
  }
  const st = await handle.stat().catch(async (err: unknown) => { await handle.close(); throw new VaultError('io', `cannot stat ${file}: ${codeOf(err)}`) })
  if (!st.isFile()) {
    await handle.close()
    throw new VaultError('not_regular', `${file} is ${kind(st)}, not a regular file: it is not read`)
  }
  return { handle, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino }
}

/**
 * Write `body` as the archive taken at `atMs`, atomically, never over an existing file; returns its path. A
 * failure leaves no file behind.
 */
export async function writeArchive (dir: string, atMs: number, body: Buffer, sha256?: string): Promise<string> {
  const name = archiveName(atMs, sha256)
  const file = join(dir, name)
  const tmp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    await mkdir(dir, { recursive: true, mode: 0o750 })
    await writeFile(tmp, body, { mode: 0o640, flush: true })
    await publish(tmp, file)
  } finally {
    await unlink(tmp).catch(() => undefined)
  }
  await syncDir(dir)
  return file
}

/**
 * Give the written temp file its archive name, never over an existing file: a hard link fails when the name
 * exists (atomic, race-free). Where the file system has no hard links, a rename after a check does it.
 */
async function publish (tmp: string, file: string): Promise<void> {
  const exists = (): Error => Object.assign(new Error(`${file} exists already: archives are written once`), { code: 'EEXIST' })
  try {
    await link(tmp, file)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') throw exists()
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EMLINK') throw err
    if (await lstat(file).then(() => true, () => false)) throw exists()
    await rename(tmp, file)
  }
}

/** Make a rename in `dir` durable (best effort: some file systems cannot sync a folder). */
async function syncDir (dir: string): Promise<void> {
  const h = await open(dir, constants.O_RDONLY).catch(() => undefined)
  if (h === undefined) return
  await h.sync().catch(() => undefined)
  await h.close()
}

/** Temp files older than this were left by a crash (a live write takes seconds) and are removed. */
export const STALE_TEMP_MS = 3_600_000

/** Remove temp files left by a crash: those older than `minAgeMs` (a live write is seconds old). Returns their names. */
export async function removeStaleTemps (dir: string, temps: ReadonlyArray<{ name: string, mtimeMs: number }>, nowMs: number, minAgeMs: number): Promise<string[]> {
  const removed: string[] = []
  for (const t of temps) {
    if (nowMs - t.mtimeMs < minAgeMs) continue
    await unlink(join(dir, t.name)).then(() => removed.push(t.name), () => undefined)
  }
  return removed
}

/** Remove archives by name (retention); a name that is gone already is skipped. Returns the names removed. */
export async function removeArchives (dir: string, names: readonly string[]): Promise<string[]> {
  const removed: string[] = []
  for (const name of names) {
    if (archiveTime(name) === undefined) continue
    await unlink(join(dir, name)).then(() => removed.push(name), (err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    })
  }
  return removed
}

/** An error's code (`ENOENT`, ...) or text. */
export function codeOf (err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err)
}
