/** The folders of a vault that no configured cluster uses: renamed or removed clusters. */
import type { VaultSpec } from '../../archive/store.js'
import { openVault } from '../../archive/vaults.js'

/** The clusters of one vault to keep in step. */
export interface SyncRoot {
  vault: VaultSpec
  clusters: readonly string[]
}

/** A folder of a vault that no configured cluster uses (a renamed or removed cluster). */
export interface OrphanFolder {
  /** The vault's id (its directory, or `s3://bucket/prefix`). */
  directory: string
  folder: string
  /** Files in it named like archives. */
  archives: number
}

/** The orphan folders of the roots' vaults, with their number of archives. */
export async function orphanFolders (roots: readonly SyncRoot[]): Promise<OrphanFolder[]> {
  const found: OrphanFolder[] = []
  for (const root of roots) {
    const configured = new Set(root.clusters)
    const vault = openVault(root.vault)
    for (const folder of await vault.folders().catch(() => [])) {
      if (configured.has(folder)) continue
      const listing = await vault.list(folder).catch(() => undefined)
      found.push({ directory: root.vault.id, folder, archives: listing?.archives.length ?? 0 })
    }
  }
  return found
}
