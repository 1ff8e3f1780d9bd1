/**
 * `--report`: the multicluster report of a period from the command line. The evidence comes from a private
 * index in a temp folder (removed afterwards): a consistent copy of the exporter's index when there is one,
 * brought in step with the vault, else built from the archives that can hold days of the window (those
 * taken on or after its first day). The vault and the exporter's index are never written. Unless offline,
 * each IBM cluster is polled once for the `/products` fallback. With a bucket, any replica's config reports
 * the whole fleet: the clusters of every shard keep their snapshots there.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { VaultSpec } from './archive/store.js'
import { openVault } from './archive/vaults.js'
import { loadConfig } from './config/load.js'
import type { Config } from './config/schema.js'
import { ZONE_SLACK_MS } from './licensing/index/ingest.js'
import { EvidenceIndex } from './licensing/index/client.js'
import { copyIndex, defaultIndexLocation } from './licensing/index/location.js'
import { dayStartMs, type ReportWindow } from './licensing/period.js'
import { reportClusters, syncRoots, type ReportCluster } from './licensing/fleet.js'
import { periodReport, type PeriodReport } from './licensing/period-report.js'
import { Poller } from './polling/poller.js'
import { Store } from './polling/store.js'

/** How `--report` runs. */
export interface ReportRun {
  window: ReportWindow
  /** Archives only: no cluster is contacted (an auditor's reproducible run). */
  offline: boolean
  /** Also count the vault folders of clusters that are not configured (renamed or removed ones); offline only. */
  includeOrphans?: boolean
  /** The exporter's index to start from (`--evidence.index-path`; default beside the first vault directory). */
  indexPath?: string
  /**
   * A bucket to report on (`--snapshot.store`), offline only: every cluster folder in it is counted, whatever
   * the config lists (the config gives the entitlements).
   */
  store?: VaultSpec
}

/**
 * The clusters of a bucket's report: every cluster folder in it, and every configured IBM cluster whose store
 * is this bucket (one without a folder then counts as missing: the report is not complete). Neither: an error
 * (a misspelt bucket or prefix must not give an empty report that looks complete).
 */
async function bucketClusters (store: VaultSpec, config: Config): Promise<ReportCluster[]> {
  const names = new Set(await openVault(store).folders())
  for (const c of reportClusters(config)) if (c.vault?.id === store.id) names.add(c.name)
  if (names.size === 0) throw new Error(`${store.id}: no cluster folders there, and no configured cluster keeps its snapshots there; check the bucket and the prefix`)
  return [...names].sort().map(name => ({ name, vault: store, polled: false }))
}

/** Run a report; the logger gets progress (archives read) and problems. */
export async function runReport (configFile: string, logger: Logger, run: ReportRun, env: NodeJS.ProcessEnv = process.env): Promise<PeriodReport> {
  const config = await loadConfig(configFile, env)
  const clusters: ReportCluster[] = run.store === undefined ? reportClusters(config) : await bucketClusters(run.store, config)
  const store = new Store()
  if (!run.offline) {
    const poller = new Poller({ store, log: logger })
    poller.apply({ ...config, clusters: config.clusters.filter(c => c.type === 'ibm_license_service') })
    await poller.pollAllOnce()
    await poller.stop()
  }
  const tmp = mkdtempSync(join(tmpdir(), 'license-exporter-report-'))
  const location = join(tmp, 'index.sqlite')
  const from = run.indexPath ?? (run.store === undefined ? defaultIndexLocation(config) : undefined)
  const copied = from !== undefined && await copyIndex(from, location)
  logger.info({ from: copied ? 'the exporter\'s index' : 'the archives' }, 'reading the evidence')
  const index = new EvidenceIndex({ location, log: logger, takenFromMs: dayStartMs(run.window.from) - ZONE_SLACK_MS })
  try {
    const now = Date.now()
    const roots = syncRoots(clusters)
    await index.sync(roots, now)
    await index.idle()
    if (run.includeOrphans === true) {
      const orphans = (await index.stats()).orphans
      for (const o of orphans) {
        const vault = roots.find(r => r.vault.id === o.directory)?.vault
        if (vault === undefined) continue
        clusters.push({ name: o.folder, vault, polled: false })
        await index.changed(vault, o.folder, now)
      }
      await index.idle()
    }
    return await periodReport({
      window: run.window, clusters, states: run.offline ? undefined : name => store.get(name), entitlements: config.global.entitlements, evidence: q => index.report(q), nowMs: now,
    })
  } finally {
    await index.close()
    rmSync(tmp, { recursive: true, force: true })
  }
}
