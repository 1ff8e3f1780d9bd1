/** The folders of a vault directory that no configured cluster uses: renamed or removed clusters. */
import { listCluster, listFolders } from '../../archive/listing.js'
import { clusterDir } from '../../archive/vault.js'

/** The clusters of one vault directory to keep in step. */
export interface SyncRoot {
  directory: string
  clusters: readonly string[]
}

/** A folder of a vault directory that no configured cluster uses (a renamed or removed cluster). */
export interface OrphanFolder {
  directory: string
  folder: string
  /** Files in it named like archives. */
  archives: number
}

/** The orphan folders of the roots' directories, with their number of archives. */
export async function orphanFolders (roots: readonly SyncRoot[]): Promise<OrphanFolder[]> {
  const found: OrphanFolder[] = []
  for (const root of roots) {
    const configured = new Set(root.clusters)
    for (const folder of await listFolders(root.directory).catch(() => [])) {
      if (configured.has(folder)) continue
      const listing = await listCluster(clusterDir(root.directory, folder)).catch(() => undefined)
      found.push({ directory: root.directory, folder, archives: listing?.archives.length ?? 0 })
    }
  }
  return found
}
