/**
 * IBM's worked example (shared contract, "Multicluster"): two clusters, 2020-03-01..05. The highest daily
 * sum is 54 on 2020-03-04; the sum of the clusters' own peaks is 55. The running exporter (JSON and CSV) and
 * the offline command line must all give those figures.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { archiveName } from '../../src/archive/vault.js'
import { startExporter } from '../../src/exporter.js'
import type { PeriodReport } from '../../src/licensing/period-report.js'
import { createLogger } from '../../src/util/logger.js'
import { tempDir } from '../helpers.js'
import { makeZip } from '../simulator/zip.js'

const ROOT = join(import.meta.dirname, '..', '..')
const FIXTURES = join(ROOT, 'test', 'fixtures', 'ibm-daily')

function cli (args: string[]): Promise<{ status: number | null, stdout: string, stderr: string }> {
  return new Promise(resolve => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts'), ...args], { cwd: ROOT })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.on('close', status => resolve({ status, stdout, stderr }))
  })
}

/** Two IBM clusters whose vault holds the example's daily files; their URLs are never contacted here. */
function setup (t: { teardown (fn: () => unknown): void }, withDay4OfCluster2 = true): string {
  const dir = tempDir()
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const snapshots = join(dir, 'snapshots')
  const taken = Date.UTC(2020, 2, 6, 1, 0, 0)
  for (const [cluster, file] of [['cluster1', 'products_daily_2020-03-01_2020-03-05_cluster1.csv'], ['cluster2', 'products_daily_2020-03-01_2020-03-05_cluster2.csv']] as const) {
    let csv = readFileSync(join(FIXTURES, file), 'utf8')
    if (!withDay4OfCluster2 && cluster === 'cluster2') csv = csv.split('\n').filter(l => !l.includes('2020-03-04')).join('\n')
    mkdirSync(join(snapshots, cluster), { recursive: true })
    writeFileSync(join(snapshots, cluster, archiveName(taken)), makeZip({ [file]: csv, 'data_condition.txt': 'period: 2020-03-01 - 2020-03-05\n' }))
  }
  const config = join(dir, 'config.yaml')
  writeFileSync(config, ['global:', '  entitlements: [{ product: "IBM Cloud Pak for Integration", unit: VIRTUAL_PROCESSOR_CORE, quota: 54 }]', 'clusters:',
    ...['cluster1', 'cluster2'].map(c => `  - { name: ${c}, type: ibm_license_service, url: "http://127.0.0.1:9/${c}", token: fake-token-${c}, snapshot: { directory: ${snapshots} } }`),
  ].join('\n') + '\n')
  return config
}

t.test('IBM\'s worked example: peak 54 on 2020-03-04, sum of cluster peaks 55, through the exporter, CSV and --report.offline', async t => {
  const configFile = setup(t)
  const exporter = await startExporter({ configFile, host: '127.0.0.1', port: 0, logger: createLogger('silent') })
  t.teardown(() => exporter.close())
  await exporter.evidence.idle()
  const res = await exporter.app.inject({ url: '/api/v1/report?from=2020-03-01&to=2020-03-05' })
  const json = res.json<PeriodReport>()
  t.same([json.from, json.to, json.complete], ['2020-03-01', '2020-03-05', true])
  const row = json.rows.find(r => r.product === 'IBM Cloud Pak for Integration')
  t.same([row?.peak, row?.peak_date, row?.sum_of_cluster_peaks, row?.complete], [54, '2020-03-04', 55, true])
  t.same(row?.clusters.map(c => [c.cluster, c.peak, c.peak_date, c.on_peak_date]), [['cluster1', 30, '2020-03-02', 29], ['cluster2', 25, '2020-03-04', 25]])
  t.same([row?.entitlement, row?.remaining, row?.compliant], [54, 0, true], 'exactly at the entitlement is compliant')

  const csv = (await exporter.app.inject({ url: '/api/v1/report?from=2020-03-01&to=2020-03-05&format=csv' })).body
  t.match(csv, /\r\nIBM Cloud Pak for Integration,c8b82d189e7545f0892db9ef2731b90d,VIRTUAL_PROCESSOR_CORE,54,2020-03-04,55,true,54,0,true,2020-03-01,2020-03-05,,30,2020-03-02,29,25,2020-03-04,25\r\n/)

  const offline = await cli([`--config.file=${configFile}`, '--report', '--report.offline', '--report.from=2020-03-01', '--report.to=2020-03-05'])
  t.equal(offline.status, 0, offline.stderr)
  t.equal(offline.stdout, csv, 'the offline CSV equals the exporter\'s')
  const offlineJson = await cli([`--config.file=${configFile}`, '--report', '--report.offline', '--report.period=2020-03', '--report.format=json'])
  t.equal(offlineJson.status, 4, 'March has days without data: exit 4')
  const march = JSON.parse(offlineJson.stdout) as PeriodReport
  t.same([march.rows[0]?.peak, march.rows[0]?.sum_of_cluster_peaks, march.complete], [54, 55, false])
  t.notMatch(offline.stdout + offline.stderr + offlineJson.stderr, /fake-token/)
})

t.test('a cluster missing a day makes the report incomplete and names the day', async t => {
  const configFile = setup(t, false)
  const r = await cli([`--config.file=${configFile}`, '--report', '--report.offline', '--report.from=2020-03-01', '--report.to=2020-03-05', '--report.format=json'])
  t.equal(r.status, 4)
  t.match(r.stderr, /incomplete: no daily data for cluster2 \(1 day\(s\)\)/)
  const report = JSON.parse(r.stdout) as PeriodReport
  t.equal(report.complete, false)
  t.same([report.rows[0]?.missing_clusters, report.clusters.find(c => c.cluster === 'cluster2')?.missing], [['cluster2'], ['2020-03-04']])
})

t.test('bad period flags are refused naming the flag', async t => {
  const configFile = setup(t)
  const r = await cli([`--config.file=${configFile}`, '--report', '--report.offline', '--report.period=2020-Q5'])
  t.equal(r.status, 2)
  t.match(r.stderr, /^--report\.period: /)
})
