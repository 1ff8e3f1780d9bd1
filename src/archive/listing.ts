/**
 * Listing the vault: a cluster folder's archives (regular files named as archives; links, FIFOs, devices and
 * folders named like one are refused, never followed), a cheap summary of it for the archiver, and the
 * cluster folders of a vault directory.
 */
import type { Dirent } from 'node:fs'
import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { archiveName, archiveTime, codeOf, kind, TEMP_NAME, VaultError } from './vault.js'

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

/** The entries of a cluster folder (none when it does not exist); a link or anything but a folder is refused. */
async function entriesOf (dir: string): Promise<Dirent[]> {
  try {
    const st = await lstat(dir)
    if (!st.isDirectory()) throw new VaultError('not_regular', `${dir} is ${kind(st)}, not a folder: it is not followed`)
    return await readdir(dir, { withFileTypes: true })
  } catch (err) {
    if (err instanceof VaultError) throw err
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new VaultError('io', `cannot list ${dir}: ${codeOf(err)}`)
  }
}

/** The contents of a cluster folder (empty when it does not exist). Throws a {@link VaultError} when it is a link or unreadable. */
export async function listCluster (dir: string): Promise<ClusterListing> {
  const out: ClusterListing = { archives: [], refused: [], temps: [] }
  const entries = await entriesOf(dir)
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

/** What the archiver needs of a cluster folder: its archive files by name (regular files), the newest, temp files. */
export interface ClusterSummary {
  /** Regular files named as archives. */
  count: number
  /** The newest archive dated at or before `notAfterMs`, with its size. */
  newest: { name: string, takenMs: number, size: number } | undefined
  /** Archives dated after `notAfterMs`. */
  future: string[]
  temps: ClusterListing['temps']
}

/**
 * Summarize a cluster folder from its names and entry types, with a stat only of the newest archive and the
 * temp files (cheap for two years of archives). Throws a {@link VaultError} when it is a link or unreadable.
 */
export async function summarizeCluster (dir: string, notAfterMs: number): Promise<ClusterSummary> {
  const out: ClusterSummary = { count: 0, newest: undefined, future: [], temps: [] }
  const entries = await entriesOf(dir)
  const dated: Array<{ name: string, takenMs: number }> = []
  for (const e of entries) {
    if (!e.isFile()) continue
    if (TEMP_NAME.test(e.name)) {
      const st = await lstat(join(dir, e.name)).catch(() => undefined)
      if (st !== undefined) out.temps.push({ name: e.name, mtimeMs: st.mtimeMs })
      continue
    }
    const takenMs = archiveTime(e.name)
    if (takenMs === undefined) continue
    out.count++
    if (takenMs > notAfterMs) out.future.push(e.name)
    else dated.push({ name: e.name, takenMs })
  }
  dated.sort((a, b) => b.takenMs - a.takenMs)
  for (const d of dated) {
    const st = await lstat(join(dir, d.name)).catch(() => undefined)
    if (st?.isFile() === true) { out.newest = { ...d, size: st.size }; break }
  }
  return out
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
