/**
 * The composition root: config -> poller and archiver -> store -> cached exposition -> HTTP app.
 * {@link createExporter} builds everything without listening or polling; `main.ts` (and the tests) listen.
 */
import type { Logger } from 'pino'
import { SnapshotArchiver } from './archive/archiver.js'
import { ConfigError } from './config/load.js'
import { Reloader } from './config/reloader.js'
import type { Config } from './config/schema.js'
import { shardConfig, type Shard } from './config/shard.js'
import { watchConfig } from './config/watch.js'
import { EvidenceKeeper } from './licensing/evidence-keeper.js'
import { EvidenceIndex } from './licensing/index/client.js'
import { EvidenceExtras } from './licensing/evidence-metrics.js'
import { defaultIndexLocation } from './licensing/index/location.js'
import { windowDays, type ReportWindow } from './licensing/period.js'
import { periodReport } from './licensing/period-report.js'
import { describeSnapshot } from './licensing/describe.js'
import { coversFleet, reportClusters, type ReportCluster } from './licensing/fleet.js'
import { QuarterToDate } from './licensing/quarter.js'
import { globalEntitlementSamples } from './licensing/usage.js'
import { ClusterMetrics } from './metrics/cluster.js'
import { ProcessMetrics } from './metrics/process.js'
import { Poller } from './polling/poller.js'
import { Store } from './polling/store.js'
import { buildApp, type App } from './server/app.js'
import { checkReportSize } from './server/report-limits.js'
import { loadWebConfig } from './server/web-config.js'
import { exposedGc, HeapTrimmer } from './util/heap-trim.js'
import { setTimer, type CancelTimer } from './util/timer.js'
import { VERSION } from './util/version.js'

/** How to build the exporter. */
export interface ExporterOptions {
  configFile: string
  logger: Logger
  enableLifecycle?: boolean
  env?: NodeJS.ProcessEnv
  /** Web config file (TLS, basic auth, bearer token), as `--web.config.file`. */
  webConfigFile?: string
  /** Poll only this shard's clusters (`--shard=INDEX/TOTAL`). */
  shard?: Shard
  /** At most one render of the per-cluster exposition per this many ms (default 1000). */
  renderIntervalMs?: number
  /** How often stale data is looked for, in ms (default 1000). */
  staleCheckMs?: number
  /** Check the config file (and its token and TLS files) this often and reload on change (off by default). */
  autoReloadIntervalMs?: number
  /** Return heap pages to the OS when polls go idle (default true; needs node's `--expose-gc`): see `util/heap-trim.ts`. */
  heapTrim?: boolean
  /** The evidence index file (`--evidence.index-path`; default beside the first snapshot directory; `:memory:`). */
  evidenceIndexPath?: string
  /**
   * Whether this replica is the primary (`--evidence.primary`): it prunes shared buckets and exports the
   * fleet-wide series. `auto` (the default): unsharded, or the replica holding shard 0.
   */
  evidencePrimary?: 'auto' | boolean
}

/** Whether a replica is the primary: the flag, or for `auto` unsharded or shard 0. */
export function isPrimary (flag: 'auto' | boolean | undefined, shard: Shard | undefined): boolean {
  if (typeof flag === 'boolean') return flag
  return shard === undefined || shard.index === 0
}

/** A built exporter. */
export interface Exporter {
  readonly app: App
  readonly store: Store
  readonly poller: Poller
  readonly archiver: SnapshotArchiver
  readonly evidence: EvidenceIndex
  readonly clusterMetrics: ClusterMetrics
  readonly heapTrimmer: HeapTrimmer
  /** Whether the server speaks HTTPS (`--web.config.file` with TLS). */
  readonly tls: boolean
  /** The config in use. */
  config (): Config
  /** Start the background work: polls, snapshot downloads, stale checks, renders. */
  start (): void
  /** Reload the config file; resolves to the problem when the new config was refused (the old one stays). */
  reload (): Promise<string | undefined>
  /** List the vaults now (as every 5 minutes): archives other replicas stored are read. */
  syncEvidence (): Promise<void>
  /** Stop polling, abort polls in flight, close the server. */
  close (): Promise<void>
}

/** Load the config and build everything, unstarted. Throws {@link ConfigError} when the config is invalid. */
export async function createExporter (opts: ExporterOptions): Promise<Exporter> {
  const log = opts.logger
  const env = opts.env ?? process.env
  const shard = opts.shard
  const reloader = new Reloader({
    file: opts.configFile, env,
    apply: (next, version) => {
      applyConfig(next)
      log.info({ clusters: config.clusters.length, version }, 'config reloaded')
    },
    refused: (err, version) => {
      processMetrics.reloadSuccessful.set(0)
      processMetrics.invalidate()
      const problem = err instanceof ConfigError ? err.problems.join('\n') : String(err)
      log.error({ problems: err instanceof ConfigError ? err.problems : [problem], version }, 'config reload failed; keeping the previous config')
      return problem
    },
  })
  let fleet = await reloader.load()
  let config = shardConfig(fleet, shard)
  const web = opts.webConfigFile === undefined ? undefined : await loadWebConfig(opts.webConfigFile)
  const store = new Store()
  const primary = isPrimary(opts.evidencePrimary, shard)
  // The sums of the clusters' current figures (cluster="_all"): unsharded only, and from the primary (HA
  // replicas of one config would export them twice); a shard's part is Prometheus' to sum.
  const aggregate = (shard === undefined || shard.total === 1) && primary
  // The multicluster figures: from the primary, when its evidence is the whole fleet's (unsharded, or every
  // other shard's IBM clusters in a bucket). Derived once per config, not at every render, report and sync.
  let derived: { fleetSeries: boolean, clusters: readonly ReportCluster[] } | undefined
  const derive = (): NonNullable<typeof derived> => (derived ??= { fleetSeries: primary && coversFleet(config, fleet), clusters: Object.freeze(reportClusters(config, fleet)) })
  const fleetSeries = (): boolean => derive().fleetSeries
  const clusters = (): readonly ReportCluster[] => derive().clusters
  const evidenceExtras = new EvidenceExtras()
  const evidence = new EvidenceIndex({
    location: opts.evidenceIndexPath ?? defaultIndexLocation(config), log,
    onStats: stats => {
      processMetrics.setEvidence(stats)
      evidenceExtras.publish(store, config, stats)
      // Archives read and nothing left to read: the quarter's figures change.
      if (stats.archives.pending === 0 && stats.read !== lastRead) void quarter.refresh()
      if (stats.archives.pending === 0) lastRead = stats.read
    },
  })
  let lastRead = 0
  const keeper = new EvidenceKeeper({ sync: (roots, nowMs) => evidence.sync(roots, nowMs), clusters, log })
  const report = async (window: ReportWindow) => {
    const list = clusters()
    checkReportSize(list.length, windowDays(window))
    return periodReport({ window, clusters: list, states: name => store.get(name), entitlements: config.global.entitlements, evidence: q => evidence.report(q), nowMs: Date.now(), offThread: true })
  }
  const quarter = new QuarterToDate({ store, config: () => config, clusters, evidence: q => evidence.report(q), log, onChange: () => clusterMetrics.aggregatesChanged() })
  const clusterMetrics: ClusterMetrics = new ClusterMetrics(store, {
    ...(opts.renderIntervalMs !== undefined ? { renderIntervalMs: opts.renderIntervalMs } : {}),
    aggregates: () => [...(aggregate ? globalEntitlementSamples(store.list(), config.global.entitlements) : []), ...(fleetSeries() ? quarter.samples() : [])],
    onError: err => log.error({ err }, 'rendering metrics failed'),
  })
  const processMetrics = new ProcessMetrics(VERSION)
  const trimmer = new HeapTrimmer({ gc: opts.heapTrim === false ? undefined : exposedGc() })
  const onIdle = (): void => {
    // A round of polls ended: the fallback of clusters without daily data may have changed.
    if (started) void quarter.refresh()
    const t = trimmer.idle()
    if (t !== undefined) log.debug({ rssBeforeMb: Math.round(t.beforeBytes / 2 ** 20), rssAfterMb: Math.round(t.afterBytes / 2 ** 20), ms: Math.round(t.ms) }, 'heap trimmed')
  }
  const poller = new Poller({ store, log, onIdle })
  const archiver = new SnapshotArchiver({ store, log, catalog: evidence, pruneBuckets: primary, describe: describeSnapshot, onArchived: () => { void quarter.refresh() } })

  const applyConfig = (nextFleet: Config): void => {
    const next = shardConfig(nextFleet, shard)
    poller.apply(next)
    archiver.apply(next, nextFleet)
    config = next
    fleet = nextFleet
    derived = undefined
    processMetrics.reloadSuccessful.set(1)
    processMetrics.reloadTimestamp.set(Date.now() / 1000)
    processMetrics.invalidate()
    if (started) void keeper.syncNow().then(() => quarter.refresh())
  }
  let started = false
  let stopWatching: (() => void) | undefined
  applyConfig(fleet)

  const reload = (): Promise<string | undefined> => reloader.reload()

  const app = buildApp({
    store, clusterMetrics, processMetrics, logger: log, version: VERSION,
    ready: () => store.allPolled(),
    report,
    quarter: () => (fleetSeries() ? quarter.report() : undefined),
    reload,
    configVersion: () => reloader.applied,
    enableLifecycle: opts.enableLifecycle ?? false,
    ...(web !== undefined ? { web } : {}),
  })

  const staleCheckMs = opts.staleCheckMs ?? 1000
  let staleTimer: CancelTimer | undefined
  const checkStale = (): void => {
    store.expireStale(Date.now())
    staleTimer = setTimer(checkStale, Date.now() + staleCheckMs)
  }
  return {
    app, store, poller, archiver, evidence, clusterMetrics, heapTrimmer: trimmer, tls: web?.tls !== undefined,
    config: () => config,
    start () {
      if (started) return
      started = true
      clusterMetrics.start()
      checkStale()
      poller.start()
      archiver.start()
      keeper.start()
      quarter.start()
      if (opts.autoReloadIntervalMs !== undefined) {
        void watchConfig({ configFile: opts.configFile, intervalMs: opts.autoReloadIntervalMs, config: () => config, reload, seen: () => reloader.seen })
          .then(stop => { if (started) stopWatching = stop; else stop() })
      }
    },
    reload,
    syncEvidence: () => keeper.syncNow(),
    async close () {
      started = false
      stopWatching?.()
      clusterMetrics.stop()
      staleTimer?.()
      keeper.stop()
      await Promise.all([poller.stop(), archiver.stop(), quarter.stop()])
      await Promise.all([evidence.close(), app.close()])
    },
  }
}

/** The base URL a listening app answers on, e.g. `http://127.0.0.1:9847`. */
export function listenUrl (exporter: Exporter, host: string): string {
  const addr = exporter.app.server.address()
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0
  const shown = host === '' || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  return `${exporter.tls ? 'https' : 'http'}://${shown.includes(':') ? `[${shown}]` : shown}:${port}`
}

/** A started, listening exporter (the command line, the demo, end-to-end tests and the benchmark). */
export interface RunningExporter extends Exporter {
  /** Base URL it listens on. */
  readonly url: string
}

/** Build, listen on `host:port` (0 picks a free port), and start unless `autoStart` is false. */
export async function startExporter (opts: ExporterOptions & { host: string, port: number, autoStart?: boolean }): Promise<RunningExporter> {
  const exporter = await createExporter(opts)
  await exporter.app.listen({ host: opts.host, port: opts.port })
  const url = listenUrl(exporter, opts.host)
  if (opts.autoStart !== false) exporter.start()
  opts.logger.info(startedFields(exporter, url, opts.shard), 'license-exporter started')
  return Object.assign(exporter, { url })
}

/** The fields of the "license-exporter started" log line (the command line and {@link startExporter}). */
export function startedFields (exporter: Exporter, url: string, shard: Shard | undefined): Record<string, unknown> {
  return { url, clusters: exporter.config().clusters.length, version: VERSION, heapTrim: exporter.heapTrimmer.enabled, ...(shard !== undefined ? { shard: `${shard.index}/${shard.total}` } : {}) }
}
