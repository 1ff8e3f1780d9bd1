/**
 * `npm run bench`: performance figures, printed (not asserted). The simulator and the load generator run in
 * their own processes; the exporter runs here, so round time, event-loop delay and memory are its own.
 *
 * Options: --clusters=1000 --latency=50 --concurrency=64 --duration=10 --rounds=50 --quick
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'
import { startExporter } from '../src/exporter.js'
import { createLogger } from '../src/logger.js'
import { fleetConfig, fleetOf } from '../test/simulator/fleet.js'
import { freePort, tempDir } from '../test/helpers.js'

const { values } = parseArgs({ options: {
  clusters: { type: 'string' }, latency: { type: 'string', default: '50' }, concurrency: { type: 'string', default: '64' },
  duration: { type: 'string' }, rounds: { type: 'string' }, quick: { type: 'boolean', default: false },
} })
const quick = values.quick
const N = Number(values.clusters ?? (quick ? 100 : 1000))
const LATENCY = Number(values.latency)
const CONC = Number(values.concurrency)
const DURATION = Number(values.duration ?? (quick ? 3 : 10))
const ROUNDS = Number(values.rounds ?? (quick ? 5 : 50))
const ROOT = join(import.meta.dirname, '..')
/** Progress on stderr as each figure is measured, so a long run is informative before the table. */
const note = (text: string): void => { process.stderr.write(`[bench] ${text}\n`) }
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`
const gc = (): void => { (globalThis as { gc?: () => void }).gc?.() }

function child (args: string[]): { proc: ReturnType<typeof spawn>, out: Promise<string> } {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT })
  let text = ''
  proc.stdout?.on('data', (d: Buffer) => { text += d.toString() })
  return { proc, out: new Promise(resolve => proc.on('close', () => resolve(text))) }
}

// 1. The simulated vendors, in their own process.
const sim = child(['--import', 'tsx', join(ROOT, 'scripts', 'sim-fleet.ts'), `--clusters=${N}`, `--latency=${LATENCY}`, '--products=20'])
const simUrl = await new Promise<string>(resolve => sim.proc.stdout?.once('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { url: string }).url)))
const clusters = fleetOf(N, { latencyMs: LATENCY, products: 20 })
const dir = tempDir('license-exporter-bench-')
writeFileSync(join(dir, 'config.yaml'), fleetConfig(clusters, simUrl, ['interval: 24h', 'timeout: 30s', `concurrency: ${CONC}`, 'stale_after: 48h']))

// 2. The exporter, here. Rounds are driven by hand (interval 24h).
const exporter = await startExporter({ configFile: join(dir, 'config.yaml'), host: '127.0.0.1', port: await freePort(), logger: createLogger('error'), autoStart: false })
const loop = monitorEventLoopDelay({ resolution: 5 })
loop.enable()
const t0 = performance.now()
await exporter.poller.pollAllOnce()
const roundMs = performance.now() - t0
loop.disable()
const up = exporter.store.list().filter(c => c.up === true).length
const ideal = Math.ceil(N / CONC) * LATENCY
note(`round 1: ${roundMs.toFixed(0)} ms (ideal ${ideal} ms), ${up}/${N} up, event-loop p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms`)
await exporter.clusterMetrics.refresh()
const body = await (await fetch(`${exporter.url}/metrics`)).text()
const series = body.split('\n').filter(l => l !== '' && !l.startsWith('#')).length
gc()
const mem1 = process.memoryUsage()

// 3. /metrics throughput vs an in-memory node:http ceiling serving the same bytes, load from another process.
const cannon = async (url: string): Promise<{ rps: number, p50: number, p99: number }> => {
  const r = child([join(ROOT, 'node_modules', 'autocannon', 'autocannon.js'), '-c', '32', '-d', String(DURATION), '-j', url])
  const j = JSON.parse(await r.out) as { requests: { average: number }, latency: { p50: number, p99: number } }
  return { rps: j.requests.average, p50: j.latency.p50, p99: j.latency.p99 }
}
note(`series ${series}, RSS ${mb(mem1.rss)}, heap ${mb(mem1.heapUsed)} after round 1`)
const ours = await cannon(`${exporter.url}/metrics`)
note(`/metrics: ${Math.round(ours.rps)} req/s, p50 ${ours.p50} ms, p99 ${ours.p99} ms`)
const bodyFile = join(dir, 'body.txt')
writeFileSync(bodyFile, body)
const ceilingPort = await freePort()
const ceiling = child(['-e', `const b=require('fs').readFileSync(${JSON.stringify(bodyFile)});require('http').createServer((q,s)=>{s.writeHead(200,{'content-type':'text/plain; version=0.0.4'});s.end(b)}).listen(${ceilingPort},'127.0.0.1',()=>console.log('up'))`])
await new Promise(resolve => ceiling.proc.stdout?.once('data', resolve))
const plain = await cannon(`http://127.0.0.1:${ceilingPort}/`)
ceiling.proc.kill()

// 4. More rounds: memory after round ROUNDS.
note(`ceiling: ${Math.round(plain.rps)} req/s, p50 ${plain.p50} ms, p99 ${plain.p99} ms`)
for (let r = 2; r <= ROUNDS; r++) {
  const t = performance.now()
  await exporter.poller.pollAllOnce()
  await exporter.clusterMetrics.refresh()
  if (r % 5 === 0 || r === ROUNDS) note(`round ${r}: ${(performance.now() - t).toFixed(0)} ms, RSS ${mb(process.memoryUsage().rss)}`)
}
gc()
const memN = process.memoryUsage()
await exporter.close()
sim.proc.kill('SIGTERM')

const p99Loop = loop.percentile(99) / 1e6
const rows: Array<[string, string, string]> = [
  ['clusters (half Dynatrace, half IBM x 20 products)', String(N), ''],
  ['simulated latency per request / concurrency', `${LATENCY} ms / ${CONC}`, ''],
  ['1. poll round wall time vs ideal ceil(N/c) x latency', `${roundMs.toFixed(0)} ms vs ${ideal} ms = ${(roundMs / ideal).toFixed(2)}x (${up}/${N} up)`, '<= 1.25x'],
  ['2. /metrics series and bytes (gzip)', `${series} series, ${mb(Buffer.byteLength(body))} (${mb(gzipSync(body).length)})`, ''],
  ['3. /metrics throughput, 32 clients', `${Math.round(ours.rps)} req/s vs ceiling ${Math.round(plain.rps)} req/s = ${(ours.rps / plain.rps).toFixed(2)}`, '>= 0.5'],
  ['   /metrics latency p50 / p99', `${ours.p50} / ${ours.p99} ms (ceiling ${plain.p50} / ${plain.p99} ms)`, 'p99 < 50 ms'],
  ['4. event-loop delay p99 during round 1', `${p99Loop.toFixed(1)} ms`, '< 20 ms'],
  ['5. RSS / heap used after round 1', `${mb(mem1.rss)} / ${mb(mem1.heapUsed)}`, 'RSS < 200 MB'],
  [`   RSS / heap used after round ${ROUNDS}`, `${mb(memN.rss)} / ${mb(memN.heapUsed)}`, 'flat'],
]
const w0 = Math.max(...rows.map(r => r[0].length))
const w1 = Math.max(...rows.map(r => r[1].length))
process.stdout.write(`\nlicense-exporter benchmark${quick ? ' (quick)' : ''}, node ${process.version}\n`)
for (const [k, v, target] of rows) process.stdout.write(`  ${k.padEnd(w0)}  ${v.padEnd(w1)}  ${target}\n`)
process.exit(0)
