/**
 * End to end with a real Prometheus (Debian's `prometheus`): simulator fleet -> exporter -> Prometheus with
 * the shipped rule file. Through Prometheus' HTTP API: the target is up, every dashboard query and variable
 * returns data, and the alerts pending or firing are exactly those the README ("What the demo fires") says the demo produces, with
 * one critical only (no duplicate page for a cluster and unit).
 */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { MAY_BE_EMPTY } from '../../grafana/dashboards.js'
import { startExporter } from '../../src/exporter.js'
import { createLogger } from '../../src/util/logger.js'
import { fleetClusters, writeFleetConfig } from '../simulator/fleet.js'
import { startSimulator } from '../simulator/server.js'
import { LogCapture, freePort, tempDir, waitFor } from '../helpers.js'

const ROOT = join(import.meta.dirname, '..', '..')
const haveProm = spawnSync('prometheus', ['--version']).status === 0

interface PromResult<T> { status: string, data: T, error?: string }

t.test('exporter + real Prometheus + shipped rules + dashboard queries', { skip: !haveProm && process.env.CI !== 'true' ? 'prometheus not installed (apt-get install -y prometheus)' : false }, async t => {
  t.ok(haveProm, 'prometheus is installed')
  const clusters = fleetClusters()
  const sim = await startSimulator(clusters)
  const dir = tempDir('license-exporter-e2e-')
  const configFile = writeFleetConfig(sim, clusters, dir, { interval: '2s', timeout: '1s', staleAfter: '1m' })
  const exporter = await startExporter({ configFile, host: '127.0.0.1', port: 0, logger: createLogger('warn', new LogCapture()) })
  t.teardown(async () => { await exporter.close(); await sim.close() })

  const promPort = await freePort()
  const promConfig = join(dir, 'prometheus.yml')
  writeFileSync(promConfig, [
    'global: { scrape_interval: 1s, evaluation_interval: 1s }',
    `rule_files: ["${join(ROOT, 'config', 'prometheus', 'license-alerts.yml')}"]`,
    'scrape_configs:',
    '  - job_name: license-exporter',
    '    honor_labels: true',
    `    static_configs: [{ targets: ["${new URL(exporter.url).host}"] }]`,
  ].join('\n') + '\n')
  const prom = spawn('prometheus', [`--config.file=${promConfig}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let promLog = ''
  prom.stderr.on('data', (d: Buffer) => { promLog += d.toString() })
  const promExit = new Promise(resolve => prom.on('exit', resolve))
  t.teardown(async () => { prom.kill('SIGTERM'); await promExit })
  const api = `http://127.0.0.1:${promPort}/api/v1`
  const get = async <T>(path: string): Promise<PromResult<T>> => (await (await fetch(`${api}${path}`)).json()) as PromResult<T>
  const query = (q: string) => get<{ result: Array<{ metric: Record<string, string>, value: [number, string] }> }>(`/query?query=${encodeURIComponent(q)}`)

  await waitFor(async () => (await fetch(`http://127.0.0.1:${promPort}/-/ready`).catch(() => undefined))?.ok, 30_000, `Prometheus ready (${promLog})`)
  await waitFor(async () => (await query('up{job="license-exporter"} == 1')).data.result.length === 1, 30_000, 'exporter target up')
  t.pass('the exporter target is up in Prometheus')

  // The demo's alerts (README, "What the demo fires"): pending (their `for` has not run out yet) or firing, and nothing else.
  type Alert = { labels: Record<string, string>, state: string }
  const expected = [
    'LicenseClusterDown dt-dr',
    'LicenseClusterDown dt-legacy',
    'LicenseOverageHigh dt-prod-us host',
    'LicenseQuotaExhausted dt-prod-eu ddu',
    'LicenseUnannotatedPods ocp-prod-1',
    'LicenseUsageHigh _all VIRTUAL_PROCESSOR_CORE IBM Cloud Pak for Integration',
    'LicenseUsageHigh dt-staging ddu',
    'LicenseUsageHigh ocp-prod-1 VIRTUAL_PROCESSOR_CORE IBM MQ Advanced',
  ]
  const describe = (a: Alert): string => [a.labels.alertname, a.labels.cluster, a.labels.unit, a.labels.source === 'ibm_license_service' ? a.labels.product : undefined].filter(x => x !== undefined).join(' ')
  let seen: Alert[] = []
  await waitFor(async () => {
    seen = (await get<{ alerts: Alert[] }>('/alerts')).data.alerts
    return JSON.stringify(seen.map(describe).sort()) === JSON.stringify(expected)
  }, 30_000, 'the demo alerts').catch(() => undefined)
  t.same(seen.map(describe).sort(), expected, 'the alerts pending or firing are the documented demo alerts')
  const critical = seen.filter(a => a.labels.severity === 'critical')
  t.same(critical.map(a => [a.labels.alertname, a.labels.cluster, a.labels.unit, a.labels.status, a.state]), [['LicenseQuotaExhausted', 'dt-prod-eu', 'ddu', 'OVERAGE_QUOTA_REACHED', 'firing']], 'one page: the OVERAGE_QUOTA_REACHED unit')

  // Every dashboard query returns data (variables at "All"; Grafana's interval variables made concrete).
  await new Promise(resolve => setTimeout(resolve, 3000)) // enough samples for increase()
  const subst = (expr: string): string => expr.replace(/\$(cluster|source|product|unit)\b/g, '.*').replace(/\$__rate_interval/g, '30s')
  for (const file of readdirSync(join(ROOT, 'grafana', 'dashboards')).filter(f => f.endsWith('.json'))) {
    const d = JSON.parse(readFileSync(join(ROOT, 'grafana', 'dashboards', file), 'utf8')) as {
      panels: Array<{ title: string, targets: Array<{ expr: string }> }>
      templating: { list: Array<{ name: string, type: string, query: string }> }
    }
    for (const panel of d.panels) {
      for (const target of panel.targets) {
        const r = await query(subst(target.expr))
        const mayBeEmpty = MAY_BE_EMPTY.has(panel.title)
        t.ok(r.status === 'success' && (mayBeEmpty || r.data.result.length > 0), `${file} / ${panel.title}: ${target.expr} ${mayBeEmpty ? 'is valid' : 'returns data'}${r.error !== undefined ? ` (${r.error})` : ''}`)
      }
    }
    for (const v of d.templating.list.filter(x => x.type === 'query')) {
      const m = /^label_values\((?:(.+), )?(\w+)\)$/.exec(v.query)
      t.ok(m, `${file}: variable ${v.name} is a label_values query`)
      const match = m?.[1] === undefined ? '' : `?match[]=${encodeURIComponent(subst(m[1]))}`
      const r = await get<string[]>(`/label/${m?.[2] ?? ''}/values${match}`)
      t.ok(r.data.length > 0, `${file}: variable ${v.name} has values (${r.data.slice(0, 4).join(', ')})`)
    }
  }
})
