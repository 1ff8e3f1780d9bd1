/** The local directory as a {@link Vault}: `<directory>/<cluster>/<time>.zip`, regular files only. */
import { lstat } from 'node:fs/promises'
import { join } from 'node:path'
import { readAll } from './bytes.js'
import { listCluster, listFolders, summarizeCluster, type ClusterSummary } from './listing.js'
import type { ArchiveBytes, OpenedArchive, StoredArchive, Vault, VaultListing, VaultSpec } from './store.js'
import { archiveSha, archiveTime, clusterDir, openArchive, removeArchives, VaultError, writeArchive, type OpenArchive } from './vault.js'

/** Archives up to this size are read with one read (fewer round trips to the disk). */
const WHOLE_FILE_BYTES = 8 * 1024 * 1024

/** See the file comment. */
export class DirectoryVault implements Vault {
  readonly spec: VaultSpec
  readonly locked = false
  readonly #directory: string

  constructor (spec: VaultSpec) {
    this.spec = spec
    this.#directory = spec.directory
  }

  async list (cluster: string): Promise<VaultListing> {
    const l = await listCluster(clusterDir(this.#directory, cluster))
    return { archives: l.archives, refused: l.refused }
  }

  summary (cluster: string, notAfterMs: number): Promise<ClusterSummary> {
    return summarizeCluster(clusterDir(this.#directory, cluster), notAfterMs)
  }

  folders (): Promise<string[]> { return listFolders(this.#directory) }

  async open (cluster: string, name: string, maxBytes: number): Promise<OpenedArchive> {
    const opened = await openArchive(join(clusterDir(this.#directory, cluster), name))
    try {
      const bytes = opened.size > maxBytes ? undefined : await bytesOf(opened)
      return { size: opened.size, mtimeMs: opened.mtimeMs, ino: opened.ino, bytes, close: () => opened.handle.close().catch(() => undefined) }
    } catch (err) {
      await opened.handle.close().catch(() => undefined)
      throw err
    }
  }

  async stat (cluster: string, name: string): Promise<StoredArchive | undefined> {
    const takenMs = archiveTime(name)
    const st = await lstat(join(clusterDir(this.#directory, cluster), name)).catch(() => undefined)
    if (takenMs === undefined || st === undefined || !st.isFile()) return undefined
    return { name, takenMs, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino }
  }

  async put (cluster: string, name: string, body: Buffer): Promise<'created' | 'exists'> {
    const takenMs = archiveTime(name)
    if (takenMs === undefined) throw new VaultError('io', `${name} is not an archive name`)
    try {
      await writeArchive(clusterDir(this.#directory, cluster), takenMs, body, archiveSha(name))
      return 'created'
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return 'exists'
      throw err
    }
  }

  remove (cluster: string, names: readonly string[]): Promise<string[]> {
    return removeArchives(clusterDir(this.#directory, cluster), names)
  }
}

/** The file's bytes when small (one read), else its handle (read as it is parsed). */
async function bytesOf (a: OpenArchive): Promise<ArchiveBytes> {
  return a.size > WHOLE_FILE_BYTES ? { handle: a.handle, size: a.size } : { buffer: await readAll(a.handle, a.size) }
}
