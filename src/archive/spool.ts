/**
 * The spool: snapshots downloaded while their bucket could not take them, kept on local disk until it can.
 * `<snapshot.directory>/.spool/<cluster>/<time>-<sha256>.zip`, written like the local vault (once,
 * atomically, regular files only), removed only after the bucket holds the same name. An upload that fails or
 * is refused leaves the file where it is: the spool never loses the only copy. It is bounded per cluster
 * ({@link MAX_SPOOLED}); past it, new downloads wait (the ones kept are older and as good).
 */
import { createHash } from 'node:crypto'
import { rename } from 'node:fs/promises'
import { join } from 'node:path'
import { readAll } from './bytes.js'
import { listCluster, listFolders } from './listing.js'
import { archiveSha, archiveTime, openArchive, removeArchives, removeStaleTemps, STALE_TEMP_MS, VaultError, writeArchive } from './vault.js'

/** Most snapshots spooled per cluster. */
export const MAX_SPOOLED = 64

/** A spooled snapshot. */
export interface Spooled {
  cluster: string
  name: string
  takenMs: number
}

/** The spool of one `snapshot.directory`. */
export class Spool {
  readonly directory: string

  constructor (snapshotDirectory: string) {
    this.directory = join(snapshotDirectory, '.spool')
  }

  /**
   * Keep a snapshot; `name` is its content-addressed archive name. An existing file of that name is the same
   * bytes when its SHA-256 says so; a damaged one is set aside (`<name>.damaged`, for a person) and replaced.
   */
  async add (cluster: string, name: string, body: Buffer): Promise<void> {
    const takenMs = archiveTime(name)
    const sha = archiveSha(name)
    if (takenMs === undefined || sha === undefined) throw new VaultError('io', `${name} is not a content-addressed archive name`)
    const dir = join(this.directory, cluster)
    try {
      await writeArchive(dir, takenMs, body, sha)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const good = await this.read({ cluster, name, takenMs }, body.length).then(() => true, () => false)
      if (good) return
      await rename(join(dir, name), join(dir, `${name}.damaged`))
      await writeArchive(dir, takenMs, body, sha)
    }
  }

  /**
   * Every spooled snapshot, oldest first (links, FIFOs and bad names are left alone, never read). Temp files
   * left by a crash over an hour ago are removed on the way.
   */
  async list (nowMs = Date.now()): Promise<Spooled[]> {
    const out: Spooled[] = []
    for (const cluster of await listFolders(this.directory)) {
      const dir = join(this.directory, cluster)
      const l = await listCluster(dir)
      if (l.temps.length > 0) await removeStaleTemps(dir, l.temps, nowMs, STALE_TEMP_MS)
      for (const a of l.archives) if (archiveSha(a.name) !== undefined) out.push({ cluster, name: a.name, takenMs: a.takenMs })
    }
    return out.sort((a, b) => a.takenMs - b.takenMs)
  }

  /** How many snapshots of a cluster are spooled. */
  async count (cluster: string): Promise<number> {
    return (await listCluster(join(this.directory, cluster)).catch(() => ({ archives: [] }))).archives.length
  }

  /**
   * A spooled snapshot's bytes, checked against the SHA-256 of its name (a damaged file throws a
   * {@link VaultError} `io` and stays: a person looks at it).
   */
  async read (s: Spooled, maxBytes: number): Promise<Buffer> {
    const opened = await openArchive(join(this.directory, s.cluster, s.name))
    try {
      if (opened.size > maxBytes) throw new VaultError('too_large', `${s.name}: ${opened.size} bytes, more than ${maxBytes}`)
      const body = await readAll(opened.handle, opened.size)
      if (createHash('sha256').update(body).digest('hex') !== archiveSha(s.name)) throw new VaultError('io', `${s.name}: its bytes do not match the SHA-256 of its name (damaged on disk); left in ${this.directory}`)
      return body
    } finally {
      await opened.handle.close()
    }
  }

  /** Drop a snapshot the bucket holds now. */
  async remove (s: Spooled): Promise<void> {
    await removeArchives(join(this.directory, s.cluster), [s.name])
  }
}
