/**
 * The evidence vault on disk: `<directory>/<cluster>/<time>.zip`, one file per archived audit snapshot.
 * Files are written once, atomically (temp file, flush, rename, directory sync), never over an existing one,
 * and only ever removed by retention. Only regular files count: a symbolic link, FIFO, device or directory
 * named like an archive is listed as refused and never opened (opening uses `O_NOFOLLOW | O_NONBLOCK`, so a
 * link swapped in after the listing is not followed and a FIFO cannot block). The snapshot time is the one
 * in the file name; the file's mtime is never used for it. No scheduling here.
 */
import { randomBytes } from 'node:crypto'
import { constants, type Dirent } from 'node:fs'
import { lstat, mkdir, open, readdir, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'

const ARCHIVE_NAME = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z\.zip$/
const TEMP_NAME = /^\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.zip\.[0-9a-f]+\.tmp$/

/** File name of an archive taken at `ms`: sortable, unique to the millisecond. */
export function archiveName (ms: number): string {
  return `${new Date(ms).toISOString().replace(/:/g, '-').replace('.', '-')}.zip`
}

/** When an archive was taken, from its file name (Unix ms), or undefined for a name not of {@link archiveName}. */
export function archiveTime (name: string): number | undefined {
  const m = ARCHIVE_NAME.exec(name)
  if (m === null) return undefined
  const ms = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`)
  return Number.isNaN(ms) || archiveName(ms) !== name ? undefined : ms
}

/** The directory of a cluster's archives. */
export function clusterDir (directory: string, cluster: string): string {
  return join(directory, cluster)
}

/** An archive file of a cluster folder. */
export interface ArchiveFile {
  name: string
  /** Snapshot time, from the name. */
  takenMs: number
  size: number
  mtimeMs: number
  ino: number
}

/** Why a file in a cluster folder is not used: `not_regular` (link, FIFO, device, folder), `bad_name`. */
export type RefusedFileReason = 'not_regular' | 'bad_name'

/** A file named like an archive that is not one. */
export interface RefusedFile {
  name: string
  reason: RefusedFileReason
  message: string
}

/** What a cluster folder holds. */
export interface ClusterListing {
  /** Regular archive files, oldest first. */
  archives: ArchiveFile[]
  refused: RefusedFile[]
  /** Temp files of writes (left behind by a crash when old). */
  temps: Array<{ name: string, mtimeMs: number }>
}

/** A vault problem with a reason (`not_regular`, `io`). */
export class VaultError extends Error {
  constructor (readonly reason: 'not_regular' | 'io', message: string) { super(message) }
}

function kind (e: Dirent | { isSymbolicLink (): boolean, isFIFO (): boolean, isDirectory (): boolean, isSocket (): boolean }): string {
  if (e.isSymbolicLink()) return 'a symbolic link'
  if (e.isFIFO()) return 'a FIFO'
  if (e.isDirectory()) return 'a folder'
  if (e.isSocket()) return 'a socket'
  return 'a device'
}

/** The contents of a cluster folder (empty when it does not exist). Throws a {@link VaultError} when it is a link or unreadable. */
export async function listCluster (dir: string): Promise<ClusterListing> {
  const out: ClusterListing = { archives: [], refused: [], temps: [] }
  let entries: Dirent[]
  try {
    const st = await lstat(dir)
    if (!st.isDirectory()) throw new VaultError('not_regular', `${dir} is ${kind(st)}, not a folder: it is not followed`)
    entries = await readdir(dir, { withFileTypes: true })
  } catch (err) {
    if (err instanceof VaultError) throw err
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out
    throw new VaultError('io', `cannot list ${dir}: ${codeOf(err)}`)
  }
  // lstat in batches: a folder of two years of daily archives is 730 calls, done a few dozen at a time.
  for (let i = 0; i < entries.length; i += LSTAT_BATCH) await Promise.all(entries.slice(i, i + LSTAT_BATCH).map(e => classify(dir, e, out)))
  out.archives.sort((a, b) => a.takenMs - b.takenMs)
  out.refused.sort((a, b) => (a.name < b.name ? -1 : 1))
  return out
}

const LSTAT_BATCH = 32

/** Put one entry of a cluster folder where it belongs in the listing. */
async function classify (dir: string, e: Dirent, out: ClusterListing): Promise<void> {
  const name = e.name
  if (TEMP_NAME.test(name) && e.isFile()) {
    const st = await lstat(join(dir, name)).catch(() => undefined)
    if (st !== undefined) out.temps.push({ name, mtimeMs: st.mtimeMs })
    return
  }
  if (name.startsWith('.')) return
  const takenMs = archiveTime(name)
  if (takenMs === undefined) {
    if (/\.zip$/i.test(name)) out.refused.push({ name, reason: 'bad_name', message: `${name} is not named as the exporter names archives (<UTC time>.zip, e.g. ${archiveName(Date.UTC(2026, 10, 22, 8))}); rename it to use it` })
    return
  }
  const st = e.isFile() ? await lstat(join(dir, name)).catch(() => undefined) : undefined
  if (st === undefined) {
    if (!e.isFile()) out.refused.push({ name, reason: 'not_regular', message: `${name} is ${kind(e)}, not a regular file: it is not read` })
    return
  }
  if (!st.isFile()) out.refused.push({ name, reason: 'not_regular', message: `${name} is ${kind(st)}, not a regular file: it is not read` })
  else out.archives.push({ name, takenMs, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino })
}

/** The sub-folders of a vault directory (cluster folders; dot-folders and links left out). */
export async function listFolders (directory: string): Promise<string[]> {
  try {
    const entries = await readdir(directory, { withFileTypes: true })
    return entries.filter(e => e.isDirectory() && !e.name.startsWith('.')).map(e => e.name).sort()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new VaultError('io', `cannot list ${directory}: ${codeOf(err)}`)
  }
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
export async function writeArchive (dir: string, atMs: number, body: Buffer): Promise<string> {
  const name = archiveName(atMs)
  const file = join(dir, name)
  const tmp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    await mkdir(dir, { recursive: true, mode: 0o750 })
    await writeFile(tmp, body, { mode: 0o640, flush: true })
    const existing = await lstat(file).then(() => true, () => false)
    if (existing) throw Object.assign(new Error(`${file} exists already: archives are written once`), { code: 'EEXIST' })
    await rename(tmp, file)
  } catch (err) {
    await unlink(tmp).catch(() => undefined)
    throw err
  }
  await syncDir(dir)
  return file
}

/** Make a rename in `dir` durable (best effort: some file systems cannot sync a folder). */
async function syncDir (dir: string): Promise<void> {
  const h = await open(dir, constants.O_RDONLY).catch(() => undefined)
  if (h === undefined) return
  await h.sync().catch(() => undefined)
  await h.close()
}

/** Remove temp files left by a crash: those older than `minAgeMs` (a live write is seconds old). Returns their names. */
export async function removeStaleTemps (dir: string, temps: ClusterListing['temps'], nowMs: number, minAgeMs: number): Promise<string[]> {
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

function codeOf (err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err)
}
