/**
 * The evidence index's counts as per-cluster series: `license_snapshot_refused_archives{reason}` for each
 * archiving cluster (every reason it has, and 0 for the ones it had before, so an alert resolves).
 */
import { vaultSpec } from '../archive/store.js'
import type { Config } from '../config/schema.js'
import type { Store } from '../polling/store.js'
import type { IndexStats } from './index/protocol.js'

/** Publishes {@link IndexStats} into the store's extras. */
export class EvidenceExtras {
  readonly #published = new Map<string, Set<string>>()

  /** Set each archiving cluster's refused counts from `stats`. */
  publish (store: Store, config: Config, stats: IndexStats): void {
    for (const c of config.clusters) {
      if (c.type !== 'ibm_license_service' || c.snapshot === undefined) continue
      const vault = vaultSpec(c.snapshot).id
      const now = new Map<string, number>()
      for (const r of stats.refused) if (r.vault === vault && r.cluster === c.name) now.set(r.reason, (now.get(r.reason) ?? 0) + r.count)
      const before = this.#published.get(c.name) ?? new Set()
      for (const reason of before) if (!now.has(reason)) store.setExtra(c.name, 'license_snapshot_refused_archives', 0, { reason })
      for (const [reason, n] of now) store.setExtra(c.name, 'license_snapshot_refused_archives', n, { reason })
      this.#published.set(c.name, new Set([...before, ...now.keys()]))
    }
  }
}
