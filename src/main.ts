#!/usr/bin/env node
/**
 * Command line: flags, config check, start, signals. Flags follow Prometheus exporters:
 * `--config.file`, `--web.listen-address`, `--log.level`, `--check-config`, `--web.enable-lifecycle`.
 */
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { ConfigError, loadConfig } from './config/load.js'
import { createExporter, listenUrl, startedFields } from './exporter.js'
import { bucketOf, migrate } from './migrate.js'
import { runReport } from './report.js'
import { multiclusterCsv } from './licensing/csv.js'
import { parseWindow, windowDays } from './licensing/period.js'
import { parseShard } from './config/shard.js'
import { LOG_LEVELS, createLogger } from './util/logger.js'
import { parseDuration } from './util/duration.js'
import { VERSION } from './util/version.js'
import { catchSignals, signals } from './signals.js'

/** Default `--config.file` (also the Docker image's config path). */
export const DEFAULT_CONFIG_FILE = '/etc/license-exporter/config.yaml'
/** Default `--web.listen-address`. */
export const DEFAULT_LISTEN = ':9847'

const USAGE = `usage: license-exporter [flags]

  --config.file=PATH           config file (default ${DEFAULT_CONFIG_FILE})
  --config.auto-reload-interval=DURATION
                               check the config file (and its token and TLS files) this often and reload
                               it when it changed, as SIGHUP does (e.g. 30s; default off)
  --web.listen-address=ADDR    host:port to serve on (default ${DEFAULT_LISTEN}; ":PORT" = all interfaces)
  --web.enable-lifecycle       serve POST /-/reload
  --web.config.file=PATH       TLS and authentication for the server (exporter-toolkit style)
  --runtime.no-heap-trim       no memory-reducing GC when the polls go idle (heap trimming needs node's
                               --expose-gc, which the image passes)
  --evidence.index-path=PATH   the evidence index (SQLite, derived from the snapshot archives; rebuilt when
                               missing or damaged); default <first snapshot.directory>/.evidence-index.sqlite,
                               ":memory:" keeps it in memory
  --shard=INDEX/TOTAL          poll only the clusters whose name hashes to INDEX (also LICENSE_EXPORTER_SHARD)
  --evidence.primary=WHEN      auto (default), true or false (also LICENSE_EXPORTER_EVIDENCE_PRIMARY): the
                               primary replica prunes shared buckets and exports the fleet-wide series;
                               auto = unsharded, or the replica holding shard 0
  --log.level=LEVEL            ${LOG_LEVELS.join(', ')} (default info)
  --check-config               validate the config file and exit 0 (valid) or 1 (invalid)
  --report                     print the IBM multicluster report of a period and exit: 0; 3 when an IBM
                               cluster failed to report; 4 when the period's daily data is incomplete
  --report.from=YYYY-MM-DD     first day of the period (with --report.to; inclusive, UTC)
  --report.to=YYYY-MM-DD       last day of the period
  --report.period=P            2026-Q3, 2026-09 or 2026 (default: the current quarter to date)
  --report.offline             from the snapshot archives of the config only; no cluster is contacted
  --report.include-orphans     with --report.offline: also count vault folders of clusters that are not in
                               the config (renamed or removed clusters)
  --report.format=FORMAT       csv (default) or json
  --snapshot.store=s3://BUCKET/PREFIX
                               with --report.offline: report on every cluster folder of this bucket; with
                               --snapshot.migrate: the bucket to copy to. Settings of a configured store of
                               the same bucket are used, else ?endpoint=URL&region=R&path_style=true and
                               the AWS SDK's credentials (environment, web identity, instance role)
  --snapshot.migrate=DIR       copy the local vault DIR into the bucket of the config's snapshot.store (or
                               --snapshot.store), verifying every object's SHA-256, and exit: 0 when every
                               archive is in the bucket, 1 otherwise; run it again to resume
  --version                    print the version and exit
  --help                       this text
`

/** Split `host:port`, `:port` or `[v6]:port`. */
export function parseListenAddress (text: string): { host: string, port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text)
  if (m === null) return undefined
  const port = Number(m[3])
  if (port > 65535) return undefined
  return { host: m[1] ?? (m[2] === '' || m[2] === undefined ? '0.0.0.0' : m[2]), port }
}

/** Run the command line; resolves to an exit code, or never for a running server. */
export async function main (argv: string[]): Promise<number | undefined> {
  catchSignals(false)
  let values
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        'config.file': { type: 'string', default: DEFAULT_CONFIG_FILE },
        'config.auto-reload-interval': { type: 'string' },
        'web.listen-address': { type: 'string', default: DEFAULT_LISTEN },
        'web.enable-lifecycle': { type: 'boolean', default: false },
        'web.config.file': { type: 'string' },
        'runtime.no-heap-trim': { type: 'boolean', default: false },
        'evidence.index-path': { type: 'string' },
        shard: { type: 'string' },
        'evidence.primary': { type: 'string' },
        'snapshot.store': { type: 'string' },
        'snapshot.migrate': { type: 'string' },
        'log.level': { type: 'string', default: 'info' },
        'check-config': { type: 'boolean', default: false },
        report: { type: 'boolean', default: false },
        'report.format': { type: 'string', default: 'csv' },
        'report.from': { type: 'string' },
        'report.to': { type: 'string' },
        'report.period': { type: 'string' },
        'report.offline': { type: 'boolean', default: false },
        'report.include-orphans': { type: 'boolean', default: false },
        version: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`)
    return 2
  }
  if (values.help) { process.stdout.write(USAGE); return 0 }
  if (values.version) { process.stdout.write(`license-exporter ${VERSION} (node ${process.version})\n`); return 0 }
  const configFile = values['config.file']
  if (values['check-config']) {
    try {
      const config = await loadConfig(configFile)
      process.stdout.write(`config ${configFile} is valid: ${config.clusters.length} cluster(s)\n`)
      if (config.clusters.length === 0) process.stderr.write('warning: no clusters are configured: the exporter would serve only its own metrics\n')
      return 0
    } catch (err) {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
      return 1
    }
  }
  const level = values['log.level']
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    process.stderr.write(`--log.level must be one of ${LOG_LEVELS.join(', ')}\n`)
    return 2
  }
  const storeText = values['snapshot.store']
  if (values['snapshot.migrate'] !== undefined) return migrate(configFile, values['snapshot.migrate'], storeText, level)
  if (storeText !== undefined && !(values.report && values['report.offline'])) {
    process.stderr.write('--snapshot.store needs --report --report.offline or --snapshot.migrate\n')
    return 2
  }
  if (values.report) {
    const format = values['report.format']
    if (format !== 'csv' && format !== 'json') {
      process.stderr.write('--report.format must be csv or json\n')
      return 2
    }
    const window = parseWindow({ from: values['report.from'], to: values['report.to'], period: values['report.period'] }, Date.now())
    if (!window.ok) {
      process.stderr.write(`--report.${window.message}\n`)
      return 2
    }
    if (values['report.include-orphans'] && !values['report.offline']) {
      process.stderr.write('--report.include-orphans needs --report.offline (folders of unconfigured clusters have no live state)\n')
      return 2
    }
    try {
      const indexPath = values['evidence.index-path']
      const store = storeText === undefined ? undefined : await bucketOf(configFile, storeText)
      if (typeof store === 'string') {
        process.stderr.write(`--snapshot.store: ${store}\n`)
        return 2
      }
      const report = await runReport(configFile, createLogger(level, process.stderr), {
        window: window.window, offline: values['report.offline'], includeOrphans: values['report.include-orphans'], ...(indexPath !== undefined ? { indexPath } : {}), ...(store !== undefined ? { store } : {}),
      })
      process.stdout.write(format === 'csv' ? multiclusterCsv(report) : `${JSON.stringify(report, null, 2)}\n`)
      for (const p of report.evidence_problems) process.stderr.write(`${p.cluster === '' ? '' : `${p.cluster}: `}${p.file === '' ? '' : `${p.file}: `}${p.reason}: ${p.message}\n`)
      for (const o of report.orphans) process.stderr.write(`folder ${o.directory}/${o.folder} (${o.archives} archive(s)) belongs to no configured cluster${values['report.include-orphans'] ? ': counted as cluster ' + o.folder : ' (a renamed or removed cluster?): --report.offline --report.include-orphans counts it'}\n`)
      if (report.not_reporting.length > 0) {
        process.stderr.write(`clusters that failed to report: ${report.not_reporting.join(', ')}\n`)
        return 3
      }
      if (!report.complete) {
        const days = windowDays(report)
        const missing = report.clusters.filter(c => c.missing.length > 0).map(c => `${c.cluster} (${days - c.days_covered} day(s))`)
        process.stderr.write(`incomplete: no daily data for ${missing.join(', ')} in ${report.from}..${report.to}\n`)
        return 4
      }
      return 0
    } catch (err) {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
      return 1
    }
  }
  const listen = parseListenAddress(values['web.listen-address'])
  if (listen === undefined) {
    process.stderr.write(`--web.listen-address: expected host:port, got "${values['web.listen-address']}"\n`)
    return 2
  }
  const shardText = values.shard ?? process.env.LICENSE_EXPORTER_SHARD
  const shard = shardText === undefined || shardText === '' ? undefined : parseShard(shardText)
  if (shardText !== undefined && shardText !== '' && shard === undefined) {
    process.stderr.write(`--shard: expected INDEX/TOTAL with 0 <= INDEX < TOTAL, got "${shardText}"\n`)
    return 2
  }
  const primaryText = values['evidence.primary'] ?? process.env.LICENSE_EXPORTER_EVIDENCE_PRIMARY ?? 'auto'
  const evidencePrimary = new Map<string, 'auto' | boolean>([['auto', 'auto'], ['true', true], ['false', false]]).get(primaryText) // a Map: no `constructor`
  if (evidencePrimary === undefined) {
    process.stderr.write(`--evidence.primary: expected auto, true or false, got "${primaryText}"\n`)
    return 2
  }
  const autoReload = values['config.auto-reload-interval']
  const autoReloadIntervalMs = autoReload === undefined ? undefined : parseDuration(autoReload)
  if (autoReload !== undefined && (autoReloadIntervalMs === undefined || autoReloadIntervalMs < 1000 || autoReloadIntervalMs > 86_400_000)) {
    process.stderr.write(`--config.auto-reload-interval: expected a duration from 1s to 1d, got "${autoReload}"\n`)
    return 2
  }
  const logger = createLogger(level)
  catchSignals(true)
  logger.info({ version: VERSION }, 'license-exporter starting')
  let exporter
  try {
    const webConfigFile = values['web.config.file']
    const evidenceIndexPath = values['evidence.index-path']
    exporter = await createExporter({
      configFile, logger, enableLifecycle: values['web.enable-lifecycle'], heapTrim: !values['runtime.no-heap-trim'], evidencePrimary,
      ...(evidenceIndexPath !== undefined ? { evidenceIndexPath } : {}),
      ...(webConfigFile !== undefined ? { webConfigFile } : {}),
      ...(shard !== undefined ? { shard } : {}),
      ...(autoReloadIntervalMs !== undefined ? { autoReloadIntervalMs } : {}),
    })
    await exporter.app.listen(listen)
    exporter.start()
    logger.info(startedFields(exporter, listenUrl(exporter, listen.host), shard), 'license-exporter started')
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      return 1
    }
    logger.error({ err }, 'start failed')
    return 1
  }
  const started = exporter
  signals.onHup = () => { void started.reload() }
  let closing = false
  const shutdown = (signal: string): void => {
    if (closing) return
    closing = true
    logger.info({ signal }, 'shutting down')
    setTimeout(() => { logger.error('shutdown took longer than 5 s; exiting'); process.exit(1) }, 5000).unref()
    started.close().then(() => process.exit(0), (err: unknown) => { logger.error({ err }, 'shutdown failed'); process.exit(1) })
  }
  signals.onStop = shutdown
  if (signals.hup) void started.reload() // a SIGHUP came while starting
  if (signals.stop !== undefined) shutdown(signals.stop)
  return undefined
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(code => { if (code !== undefined) process.exitCode = code }, (err: unknown) => {
    process.stderr.write(`${String(err)}\n`)
    process.exitCode = 1
  })
}
