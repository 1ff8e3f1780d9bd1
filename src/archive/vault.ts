/**
 * The evidence vault on disk: `<directory>/<cluster>/<time>.zip`, one file per archived audit snapshot.
 * Files are written atomically (temp file, flush, rename) and only ever removed by {@link prune}, after a
 * good new archive is in place. No scheduling here.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

const ARCHIVE_NAME = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.zip$/

/** File name of an archive taken at `ms`: sortable, unique to the millisecond. */
export function archiveName (ms: number): string {
  return `${new Date(ms).toISOString().replace(/:/g, '-').replace('.', '-')}.zip`
}

/** The directory of a cluster's archives. */
export function clusterDir (directory: string, cluster: string): string {
  return join(directory, cluster)
}

/** The archive file names of a cluster directory, oldest first (none when the directory does not exist). */
export async function listArchives (dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter(f => ARCHIVE_NAME.test(f)).sort()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
}

/** The newest archive of a directory with its modification time and size, if any. */
export async function newestArchive (dir: string): Promise<{ file: string, mtimeMs: number, size: number } | undefined> {
  const newest = (await listArchives(dir)).at(-1)
  if (newest === undefined) return undefined
  const st = await stat(join(dir, newest))
  return { file: join(dir, newest), mtimeMs: st.mtimeMs, size: st.size }
}

/** Write `body` as the archive taken at `atMs`, atomically; returns its path. A failure leaves no file behind. */
export async function writeArchive (dir: string, atMs: number, body: Buffer): Promise<string> {
  const file = join(dir, archiveName(atMs))
  const tmp = join(dir, `.${archiveName(atMs)}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    await mkdir(dir, { recursive: true, mode: 0o750 })
    await writeFile(tmp, body, { mode: 0o640, flush: true })
    await rename(tmp, file)
    return file
  } catch (err) {
    await unlink(tmp).catch(() => undefined)
    throw err
  }
}

/** When an archive was taken, from its file name (Unix ms), or undefined for a name not of {@link archiveName}. */
export function archiveTime (name: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z\.zip$/.exec(name)
  if (m === null) return undefined
  const ms = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`)
  return Number.isNaN(ms) ? undefined : ms
}

/** Retention of a cluster's archives. */
export interface Retention {
  /** Archives younger than this (by the time in their name) are never removed. */
  keepForMs: number
  /** The newest this many archives are kept whatever their age. */
  keep: number
}

/**
 * The archives that retention removes: older than `keepForMs` at `nowMs` and not among the newest `keep`.
 * Pure, so the rule is tested without files.
 */
export function expiredArchives (names: readonly string[], retention: Retention, nowMs: number): string[] {
  const sorted = names.filter(n => archiveTime(n) !== undefined).sort()
  const protectedNewest = new Set(sorted.slice(Math.max(0, sorted.length - retention.keep)))
  return sorted.filter(name => {
    const at = archiveTime(name)
    return at !== undefined && nowMs - at > retention.keepForMs && !protectedNewest.has(name)
  })
}

/** Apply retention to a directory; returns the names removed. Call only after a good archive was written. */
export async function prune (dir: string, retention: Retention, nowMs: number): Promise<string[]> {
  const old = expiredArchives(await listArchives(dir), retention, nowMs)
  for (const f of old) await unlink(join(dir, f))
  return old
}
