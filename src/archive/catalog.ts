/**
 * What the archiver needs from the evidence index (implemented in `licensing/index/client.ts` and wired by
 * the composition root): the vault is written below licensing, so it names the interface and licensing
 * provides it.
 */
import type { RetainedArchive } from './retention.js'
import type { VaultSpec } from './store.js'

/** The evidence index, as the archiver uses it. */
export interface EvidenceCatalog {
  /** Read a just-written archive now; resolves with its verdict (`good`, `refused`, `quarantined`, `io`). */
  archived (vault: VaultSpec, cluster: string, name: string, takenMs: number, nowMs: number): Promise<string>
  /** Every indexed archive of a cluster's folder with its verdict and the last day it is the newest source of. */
  retention (vault: VaultSpec, cluster: string): Promise<RetainedArchive[]>
  /** Look at one cluster's folder again (after retention removed archives). */
  changed (vault: VaultSpec, cluster: string, nowMs: number): Promise<void>
}
