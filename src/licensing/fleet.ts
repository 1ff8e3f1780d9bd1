/**
 * Which IBM clusters a replica reports on. Its own clusters (the ones it polls: its shard), and, from the
 * whole config, every cluster whose snapshots are kept in a bucket: a bucket is shared by every replica and
 * shard, so any of them can read the whole fleet's evidence. A cluster of another shard with a local
 * directory vault is out of reach (its archives are on that shard's volume).
 */
import { vaultSpec, type VaultSpec } from '../archive/store.js'
import type { Config } from '../config/schema.js'
import type { SyncRoot } from './index/orphans.js'

/** An IBM cluster as the reports need it. */
export interface ReportCluster {
  name: string
  /** Its vault, when it archives snapshots. */
  vault: VaultSpec | undefined
  /** Whether this replica polls it (its current `/products` data is here, and its absence is news). */
  polled: boolean
}

/** The IBM clusters a replica polling `polled` (its shard of `fleet`) reports on. */
export function reportClusters (polled: Config, fleet: Config = polled): ReportCluster[] {
  const mine = new Set(polled.clusters.map(c => c.name))
  const out: ReportCluster[] = []
  for (const c of fleet.clusters) {
    if (c.type !== 'ibm_license_service') continue
    const vault = c.snapshot === undefined ? undefined : vaultSpec(c.snapshot)
    if (mine.has(c.name)) out.push({ name: c.name, vault, polled: true })
    else if (vault?.kind === 's3') out.push({ name: c.name, vault, polled: false })
  }
  return out
}

/**
 * Whether the clusters a replica reports on are the whole fleet's IBM clusters: unsharded, or every IBM
 * cluster of another shard keeps its snapshots in a bucket. Only then is its multicluster figure the fleet's.
 */
export function coversFleet (polled: Config, fleet: Config): boolean {
  const mine = new Set(polled.clusters.map(c => c.name))
  return fleet.clusters.every(c => c.type !== 'ibm_license_service' || mine.has(c.name) || c.snapshot?.store.type === 's3')
}

/** The cluster folders of some report clusters, per vault. */
export function syncRoots (clusters: readonly ReportCluster[]): SyncRoot[] {
  const byVault = new Map<string, { vault: VaultSpec, clusters: string[] }>()
  for (const c of clusters) {
    if (c.vault === undefined) continue
    let root = byVault.get(c.vault.id)
    if (root === undefined) byVault.set(c.vault.id, (root = { vault: c.vault, clusters: [] }))
    root.clusters.push(c.name)
  }
  return [...byVault.values()]
}
