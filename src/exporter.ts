/**
 * The composition root: config -> poller and archiver -> store -> cached exposition -> HTTP app.
 * {@link createExporter} builds everything without listening or polling; `main.ts` (and the tests) listen.
 */
import type { Logger } from 'pino'
import { SnapshotArchiver } from './archive/archiver.js'
import { ConfigError, loadConfig } from './config/load.js'
import type { Config } from './config/schema.js'
import { shardConfig, type Shard } from './config/shard.js'
import { buildReport, globalEntitlementSamples, type Report } from './licensing/report.js'
import { ClusterMetrics } from './metrics/cluster.js'
import { ProcessMetrics } from './metrics/process.js'
import { Poller } from './polling/poller.js'
import { Store } from './polling/store.js'
import { buildApp, type App } from './server/app.js'
import { loadWebConfig } from './server/web-config.js'
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
}

/** A built exporter. */
export interface Exporter {
  readonly app: App
  readonly store: Store
  readonly poller: Poller
  readonly archiver: SnapshotArchiver
  readonly clusterMetrics: ClusterMetrics
  /** Whether the server speaks HTTPS (`--web.config.file` with TLS). */
  readonly tls: boolean
  /** The config in use. */
  config (): Config
  /** Start the background work: polls, snapshot downloads, stale checks, renders. */
  start (): void
  /** Reload the config file; resolves to the problem when the new config was refused (the old one stays). */
  reload (): Promise<string | undefined>
  /** Stop polling, abort polls in flight, close the server. */
  close (): Promise<void>
}

/** Load the config and build everything, unstarted. Throws {@link ConfigError} when the config is invalid. */
export async function createExporter (opts: ExporterOptions): Promise<Exporter> {
  const log = opts.logger
  const env = opts.env ?? process.env
  const shard = opts.shard
  let config = shardConfig(await loadConfig(opts.configFile, env), shard)
  const web = opts.webConfigFile === undefined ? undefined : await loadWebConfig(opts.webConfigFile)
  const store = new Store()
  // A shard sees only part of the IBM clusters: the sum over all of them is Prometheus' job then.
  const aggregate = shard === undefined || shard.total === 1
  const clusterMetrics = new ClusterMetrics(store, {
    ...(opts.renderIntervalMs !== undefined ? { renderIntervalMs: opts.renderIntervalMs } : {}),
    ...(aggregate ? { aggregates: () => globalEntitlementSamples(store.list(), config.global.entitlements) } : {}),
    onError: err => log.error({ err }, 'rendering metrics failed'),
  })
  const processMetrics = new ProcessMetrics(VERSION)
  const poller = new Poller({ store, log })
  const archiver = new SnapshotArchiver({ store, log })

  const applyConfig = (next: Config): void => {
    poller.apply(next)
    archiver.apply(next)
    config = next
    processMetrics.reloadSuccessful.set(1)
    processMetrics.reloadTimestamp.set(Date.now() / 1000)
    processMetrics.invalidate()
  }
  applyConfig(config)

  let reloading: Promise<string | undefined> | undefined
  const reload = (): Promise<string | undefined> => {
    reloading ??= (async () => {
      try {
        applyConfig(shardConfig(await loadConfig(opts.configFile, env), shard))
        log.info({ clusters: config.clusters.length }, 'config reloaded')
        return undefined
      } catch (err) {
        processMetrics.reloadSuccessful.set(0)
        processMetrics.invalidate()
        const problem = err instanceof ConfigError ? err.problems.join('\n') : String(err)
        log.error({ problems: err instanceof ConfigError ? err.problems : [problem] }, 'config reload failed; keeping the previous config')
        return problem
      } finally {
        reloading = undefined
      }
    })()
    return reloading
  }

  const app = buildApp({
    store, clusterMetrics, processMetrics, logger: log, version: VERSION,
    ready: () => store.allPolled(),
    report: () => buildReport(store.list(), config.global.entitlements, Date.now()),
    reload,
    enableLifecycle: opts.enableLifecycle ?? false,
    ...(web !== undefined ? { web } : {}),
  })

  const staleCheckMs = opts.staleCheckMs ?? 1000
  let staleTimer: CancelTimer | undefined
  const checkStale = (): void => {
    store.expireStale(Date.now())
    staleTimer = setTimer(checkStale, Date.now() + staleCheckMs)
  }
  let started = false
  return {
    app, store, poller, archiver, clusterMetrics, tls: web?.tls !== undefined,
    config: () => config,
    start () {
      if (started) return
      started = true
      clusterMetrics.start()
      checkStale()
      poller.start()
      archiver.start()
    },
    reload,
    async close () {
      clusterMetrics.stop()
      staleTimer?.()
      await Promise.all([poller.stop(), archiver.stop()])
      await app.close()
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
  const shard = opts.shard
  opts.logger.info({ url, clusters: exporter.config().clusters.length, version: VERSION, ...(shard !== undefined ? { shard: `${shard.index}/${shard.total}` } : {}) }, 'license-exporter started')
  return Object.assign(exporter, { url })
}

/** Poll every cluster of a config once and build the multicluster report (`--report`). */
export async function runReport (configFile: string, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<Report> {
  const config = await loadConfig(configFile, env)
  const store = new Store()
  const poller = new Poller({ store, log: logger })
  poller.apply(config)
  await poller.pollAllOnce()
  await poller.stop()
  return buildReport(store.list(), config.global.entitlements, Date.now())
}
