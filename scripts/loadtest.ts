/**
 * `npm run loadtest`: many concurrent /metrics clients against an exporter (the built dist/, as its own
 * process) polling many simulated clusters, a fifth of which fail at random. Prints requests served, errors,
 * latency percentiles and the exporter's RSS (peak, first 10 s, last 10 s). Figures are printed, not asserted.
 *
 * Options: --clients=200 --duration=30 --clusters=200 --interval=5s
 */
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { freePort, tempDir } from '../test/helpers.js'
import { fleetConfig, fleetOf } from '../test/simulator/fleet.js'

const { values } = parseArgs({ options: {
  clients: { type: 'string', default: '200' }, duration: { type: 'string', default: '30' },
  clusters: { type: 'string', default: '200' }, interval: { type: 'string', default: '5s' },
} })
const CLIENTS = Number(values.clients)
const DURATION = Number(values.duration)
const N = Number(values.clusters)

const rssMb = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m === null ? 0 : Number(m[1]) / 1024
}

// The simulated vendors run in their own process, so the load generator here cannot starve them.
const clusters = fleetOf(N, { flakyFifth: true })
const simProc = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'sim-fleet.ts'), `--clusters=${N}`, '--flaky-fifth'], { stdio: ['ignore', 'pipe', 'inherit'] })
const simUrl = await new Promise<string>((resolve, reject) => {
  simProc.stdout.once('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { url: string }).url))
  simProc.once('exit', code => reject(new Error(`simulator exited with ${code}`)))
})
const dir = tempDir('license-exporter-load-')
writeFileSync(join(dir, 'config.yaml'), fleetConfig(clusters, simUrl, [`interval: ${values.interval}`, 'timeout: 2s', 'concurrency: 32', 'stale_after: 1m']))

const port = await freePort()
const exporter = spawn(process.execPath, [join(import.meta.dirname, '..', 'dist', 'main.js'), `--config.file=${join(dir, 'config.yaml')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'], { stdio: ['ignore', 'ignore', 'inherit'] })
const url = `http://127.0.0.1:${port}`
for (let i = 0; ; i++) {
  if ((await fetch(`${url}/readyz`).catch(() => undefined))?.ok === true) break
  if (i > 300) throw new Error('exporter not ready after 30 s')
  await new Promise(resolve => setTimeout(resolve, 100))
}
const series = (await (await fetch(`${url}/metrics`)).text()).split('\n').filter(l => l !== '' && !l.startsWith('#')).length

const heapMb = async (): Promise<number> => {
  const m = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(await (await fetch(`${url}/metrics`)).text())
  return m === null ? 0 : Number(m[1]) / 1024 / 1024
}
let heapEarly = 0
setTimeout(() => { void heapMb().then(v => { heapEarly = v }) }, 10_000).unref()
const samples: Array<[number, number]> = []
const start = Date.now()
const sampler = setInterval(() => { samples.push([(Date.now() - start) / 1000, rssMb(exporter.pid!)]) }, 250)
const result = await autocannon({
  url: `${url}/metrics`, connections: CLIENTS, duration: DURATION,
  headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5', 'accept-encoding': 'gzip' },
})
clearInterval(sampler)
const status = await (await fetch(`${url}/api/v1/clusters`)).json() as { clusters: Array<{ up: boolean | null }> }
const heapEnd = await heapMb()
exporter.kill('SIGTERM')
simProc.kill('SIGTERM')

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
const first = mean(samples.filter(([s]) => s <= 10).map(([, r]) => r))
const last = mean(samples.filter(([s]) => s >= DURATION - 10).map(([, r]) => r))
const peak = Math.max(...samples.map(([, r]) => r))
const failed = result.errors + result.timeouts + result.non2xx
const rows: Array<[string, string]> = [
  ['clusters polled (a fifth flaky)', `${N} (${status.clusters.filter(c => c.up === true).length} up at the end)`],
  ['series in /metrics', String(series)],
  ['clients x duration', `${CLIENTS} x ${DURATION} s`],
  ['requests served', String(result.requests.total)],
  ['failed requests (errors + timeouts + non-2xx)', String(failed)],
  ['throughput', `${Math.round(result.requests.average)} req/s`],
  ['latency p50 / p99 / max', `${result.latency.p50} / ${result.latency.p99} / ${result.latency.max} ms`],
  ['exporter RSS peak', `${peak.toFixed(1)} MB`],
  ['exporter V8 heap used, at 10 s / at the end', `${heapEarly.toFixed(1)} / ${heapEnd.toFixed(1)} MB`],
  ['exporter RSS mean, first 10 s / last 10 s', `${first.toFixed(1)} / ${last.toFixed(1)} MB (${(((last - first) / first) * 100).toFixed(1)} %)`],
]
const w = Math.max(...rows.map(([k]) => k.length))
process.stdout.write(`\nlicense-exporter load test\n${rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n')}\n`)
process.stdout.write(`  verdict: ${failed === 0 ? 'no failed request' : `${failed} FAILED requests`}; RSS ${last <= first * 1.1 ? 'flat (within 10 %)' : 'GREW by more than 10 %'}\n`)
process.exit(0)
