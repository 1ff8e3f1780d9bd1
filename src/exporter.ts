/**
 * The running exporter: loads the config, starts the poller, keeps the exposition fresh, serves HTTP.
 * Used by `main.ts`, the demo and the tests.
 */
import type { Logger } from 'pino'
import { ConfigError, loadConfig } from './config/load.js'
import type { Config } from './config/schema.js'
import { ClusterMetrics, ProcessMetrics } from './metrics/exposition.js'
import { Poller } from './polling/poller.js'
import { shardConfig, type Shard } from './config/shard.js'
import { buildReport, globalEntitlementSamples, type Report } from './licensing/report.js'
import { SnapshotArchiver } from './archive/archiver.js'
import { buildApp, type App } from './server/app.js'
import { loadWebConfig } from './server/web-config.js'
import { Store } from './polling/store.js'
import { VERSION } from './util/version.js'

/** How to start the exporter. */
export interface ExporterOptions {
  configFile: string
  /** Host and port to listen on; port 0 picks a free one. */
  host: string
  port: number
  logger: Logger
  enableLifecycle?: boolean
  env?: NodeJS.ProcessEnv
  /** Web config file (TLS, basic auth, bearer token), as `--web.config.file`. */
  webConfigFile?: string
  /** Start the background schedule (default true; the benchmark drives rounds itself). */
  autoStart?: boolean
  /** Poll only this shard's clusters (`--shard=INDEX/TOTAL`). */
  shard?: Shard
  /** At most one render of the per-cluster exposition per this many ms (default 1000). */
  renderIntervalMs?: number
  /** How often stale data is looked for, in ms (default 1000). */
  staleCheckMs?: number
}

/** A started exporter. */
export interface Exporter {
  readonly app: App
  readonly store: Store
  readonly poller: Poller
  readonly archiver: SnapshotArchiver
  readonly clusterMetrics: ClusterMetrics
  /** Base URL it listens on, e.g. `http://127.0.0.1:9847`. */
  readonly url: string
  /** The config in use. */
  config (): Config
  /** Reload the config file; resolves to the problem when the new config was refused (the old one stays). */
  reload (): Promise<string | undefined>
  /** Stop polling, abort polls in flight, close the server. */
  close (): Promise<void>
}

/** Load the config and start everything. Throws {@link ConfigError} when the initial config is invalid. */
export async function startExporter (opts: ExporterOptions): Promise<Exporter> {
  const log = opts.logger
  const env = opts.env ?? process.env
  const shard = opts.shard
  let config = shardConfig(await loadConfig(opts.configFile, env), shard)
  const web = opts.webConfigFile === undefined ? undefined : await loadWebConfig(opts.webConfigFile)
  const store = new Store()
  const clusterMetrics = new ClusterMetrics(store)
  const processMetrics = new ProcessMetrics(VERSION)
  const poller = new Poller({ store, log })
  const archiver = new SnapshotArchiver({ store, log })
  // A shard sees only part of the IBM clusters: the sum over all of them is Prometheus' job then.
  if (shard === undefined || shard.total === 1) clusterMetrics.setAggregates(() => globalEntitlementSamples(store.list(), config.global.entitlements))

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

  // Keep the cached exposition fresh off the scrape path: after a change, render once the throttle allows
  // (at most one render per renderIntervalMs however many clusters report in between).
  const renderIntervalMs = opts.renderIntervalMs ?? 1000
  clusterMetrics.maxStalenessMs = renderIntervalMs
  let renderTimer: NodeJS.Timeout | undefined
  let lastRenderMs = 0
  const unsubscribe = store.onChange(() => {
    renderTimer ??= setTimeout(() => {
      renderTimer = undefined
      lastRenderMs = Date.now()
      clusterMetrics.refresh().catch((err: unknown) => log.error({ err }, 'rendering metrics failed'))
    }, Math.max(50, lastRenderMs + renderIntervalMs - Date.now())).unref()
  })
  const staleTimer = setInterval(() => store.expireStale(Date.now()), opts.staleCheckMs ?? 1000).unref()

  const app = buildApp({
    store, clusterMetrics, processMetrics, logger: log, version: VERSION,
    ready: () => store.allPolled(),
    report: () => buildReport(store.list(), config.global.entitlements, Date.now()),
    reload,
    enableLifecycle: opts.enableLifecycle ?? false,
    ...(web !== undefined ? { web } : {}),
  })
  await app.listen({ host: opts.host, port: opts.port })
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port
  const host = opts.host === '' || opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host
  const url = `${web?.tls !== undefined ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`
  if (opts.autoStart !== false) {
    poller.start()
    archiver.start()
  }
  log.info({ url, clusters: config.clusters.length, version: VERSION, ...(shard !== undefined ? { shard: `${shard.index}/${shard.total}` } : {}) }, 'license-exporter started')

  return {
    app, store, poller, archiver, clusterMetrics, url,
    config: () => config,
    reload,
    async close () {
      unsubscribe()
      clearTimeout(renderTimer)
      clearInterval(staleTimer)
      await Promise.all([poller.stop(), archiver.stop()])
      await app.close()
    },
  }
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
