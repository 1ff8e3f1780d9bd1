/**
 * Two exporters as shards of one fleet, writing one bucket (moto's S3 server): each polls half of the IBM
 * clusters, and each reports the whole fleet with the figure a single process polling every cluster gives;
 * only the primary (shard 0) exports the fleet-wide series. Then `--report.offline --snapshot.store` and a
 * migration of the single process's local vault into a bucket give the same figure too.
 */
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { inShard } from '../../src/config/shard.js'
import { startExporter, type RunningExporter } from '../../src/exporter.js'
import type { PeriodReport } from '../../src/licensing/period-report.js'
import { main } from '../../src/main.js'
import { createLogger } from '../../src/util/logger.js'
import { startMoto, TEST_KEY, type Moto } from '../fixtures/s3.js'
import { LogCapture, seriesValue, tempDir, waitFor } from '../helpers.js'
import { startSimulator, type Simulator } from '../simulator/server.js'
import { products } from '../simulator/ibm.js'

const DAY = 86_400_000
const NAMES = ['ocp-a', 'ocp-b', 'ocp-c', 'ocp-d', 'ocp-e', 'ocp-f']
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
const FROM = day(Date.now() - 40 * DAY)
const TO = day(Date.now() - DAY)

let moto: Moto
let sim: Simulator
t.before(async () => {
  moto = await startMoto()
  // Each cluster peaks on a different day, at a different size: the highest daily sum is not the sum of peaks.
  sim = await startSimulator(Object.fromEntries(NAMES.map((n, i) => [n, { kind: 'ibm' as const, token: `fleet-token-${n}`, peakDay: 60 + i * 3, products: products(i + 1) }])))
})
t.teardown(async () => { await sim.close(); await moto.stop() })

/** A config of every cluster archiving into `store` (a YAML flow mapping, or undefined: a local directory). */
function writeConfig (dir: string, store: string | undefined): string {
  const file = join(dir, 'config.yaml')
  writeFileSync(file, [
    'global: { interval: 1h, entitlements: [{ product: "IBM MQ Advanced", unit: VIRTUAL_PROCESSOR_CORE, quota: 1000 }] }',
    'clusters:',
    ...NAMES.map(n => `  - { name: ${n}, type: ibm_license_service, url: "${sim.baseUrl(n)}", token: fleet-token-${n}, snapshot: { directory: ${join(dir, 'spool')}, interval: 1d${store !== undefined ? `, store: ${store}` : ''} } }`),
  ].join('\n') + '\n')
  return file
}

async function report (e: RunningExporter): Promise<PeriodReport> {
  return await (await fetch(`${e.url}/api/v1/report?from=${FROM}&to=${TO}`)).json() as PeriodReport
}
const figures = (r: PeriodReport): unknown => r.rows.map(row => ({ product: row.product, unit: row.metric, peak: row.peak, date: row.peak_date }))

t.test('two shards on one bucket: each reports the fleet, with the single-process figure; one exports the series', async t => {
  await moto.bucket('fleet-evidence')
  const shardsDir = tempDir('license-exporter-test-', t)
  const shared = writeConfig(shardsDir, moto.yaml('fleet-evidence', { prefix: 'prod' }))
  const soloDir = tempDir('license-exporter-test-', t)
  const solo = writeConfig(soloDir, undefined)
  const start = (file: string, shard?: { index: number, total: number }): Promise<RunningExporter> => startExporter({
    configFile: file, host: '127.0.0.1', port: 0, logger: createLogger('warn', new LogCapture()), evidenceIndexPath: ':memory:', ...(shard !== undefined ? { shard } : {}),
  })
  const [s0, s1, one] = await Promise.all([start(shared, { index: 0, total: 2 }), start(shared, { index: 1, total: 2 }), start(solo)])
  t.teardown(async () => { await Promise.all([s0.close(), s1.close(), one.close()]) })
  t.ok(NAMES.some(n => inShard(n, { index: 0, total: 2 })) && NAMES.some(n => inShard(n, { index: 1, total: 2 })), 'both shards have clusters')

  const objects = async (): Promise<string[]> => ((await moto.client.send(new ListObjectsV2Command({ Bucket: 'fleet-evidence' }))).Contents ?? []).map(c => c.Key!)
  await waitFor(async () => (await objects()).length === NAMES.length, 30_000, 'every cluster\'s snapshot in the bucket')
  t.same((await objects()).map(k => k.split('/')[1]).sort(), NAMES, 'one object per cluster, written by its shard')
  await waitFor(() => NAMES.every(n => readdirSync(join(soloDir, 'spool')).includes(n)), 30_000, 'the single process archived every cluster')

  const settled = async (e: RunningExporter): Promise<PeriodReport> => waitFor(async () => {
    await e.syncEvidence()
    const r = await report(e)
    return r.evidence_pending === 0 && r.complete ? r : undefined
  }, 30_000, 'a complete report')
  const [r0, r1, rOne] = [await settled(s0), await settled(s1), await settled(one)]
  t.same(r0.clusters.map(c => c.cluster).sort(), NAMES, 'shard 0 reports every cluster of the fleet')
  t.same(r1.clusters.map(c => c.cluster).sort(), NAMES, 'shard 1 too')
  t.same(figures(r0), figures(rOne), 'shard 0: the single-process figure')
  t.same(figures(r1), figures(rOne), 'shard 1: the same')
  const mq = rOne.rows.find(r => r.product === 'IBM MQ Advanced')!
  t.ok(mq.peak! < mq.sum_of_cluster_peaks, `a real multicluster figure: ${mq.peak} < ${mq.sum_of_cluster_peaks}`)
  t.same(r0.not_reporting, [], 'not_reporting is about the clusters this replica polls')

  // Only the primary exports the fleet-wide series; the quarter's figures come from the evidence too.
  await waitFor(async () => {
    await s0.clusterMetrics.refresh()
    return seriesValue(await (await fetch(`${s0.url}/metrics`)).text(), 'license_ibm_multicluster_complete') !== undefined
  }, 30_000, 'the multicluster series on shard 0')
  await s1.clusterMetrics.refresh()
  const m1 = await (await fetch(`${s1.url}/metrics`)).text()
  t.equal(seriesValue(m1, 'license_ibm_multicluster_complete'), undefined, 'shard 1 exports none')
  t.notMatch(m1, /cluster="_all"/)

  // Offline, from the bucket alone: every folder of it, the same figure.
  const out: string[] = []
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string) => { out.push(String(chunk)); return true }) as typeof process.stdout.write
  const errs: string[] = []
  const writeErr = process.stderr.write.bind(process.stderr)
  process.stderr.write = ((chunk: string) => { errs.push(String(chunk)); return true }) as typeof process.stderr.write
  let code: number | undefined
  // No configured store of this bucket: the SDK's chain (here the environment) gives the credentials.
  process.env.AWS_ACCESS_KEY_ID = TEST_KEY.id
  process.env.AWS_SECRET_ACCESS_KEY = TEST_KEY.secret
  try {
    const minimal = join(shardsDir, 'entitlements.yaml')
    writeFileSync(minimal, 'global: { entitlements: [{ product: "IBM MQ Advanced", unit: VIRTUAL_PROCESSOR_CORE, quota: 1000 }] }\nclusters: []\n')
    code = await main([`--config.file=${minimal}`, '--report', '--report.offline', '--report.format=json', `--report.from=${FROM}`, `--report.to=${TO}`, '--log.level=warn',
      `--snapshot.store=s3://fleet-evidence/prod?endpoint=${encodeURIComponent(moto.endpoint)}&path_style=true`])
  } finally {
    process.stdout.write = write
    process.stderr.write = writeErr
    delete process.env.AWS_ACCESS_KEY_ID
    delete process.env.AWS_SECRET_ACCESS_KEY
  }
  t.equal(code, 0, errs.join(''))
  const offline = JSON.parse(out.join('')) as PeriodReport
  t.same(offline.clusters.map(c => c.cluster).sort(), NAMES, 'every cluster folder of the bucket')
  t.same(figures(offline), figures(rOne), 'the same figure from the bucket alone')
})
