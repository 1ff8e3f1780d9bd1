/**
 * `npm run bench`: performance figures, printed (not asserted). Three processes besides this one: the
 * simulated vendors (`sim-fleet.ts`), the exporter compiled like production (`bench-exporter.ts`, driven over
 * IPC, so round time, event-loop delay and memory are its own), and autocannon for the `/metrics` load.
 *
 * Options: --clusters=1000 --latency=50 --concurrency=64 --duration=10 --rounds=50 --quick
 *          --profile=FILE (a CPU profile of the exporter during rounds 2 onwards, for Chrome DevTools)
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { request } from 'undici'
import type { BenchRequest, MemoryReply, RoundReply } from './bench-exporter.js'
import { fleetConfig, fleetOf } from '../test/simulator/fleet.js'
import { freePort, tempDir } from '../test/helpers.js'

const { values } = parseArgs({ options: {
  clusters: { type: 'string' }, latency: { type: 'string', default: '50' }, concurrency: { type: 'string', default: '64' },
  duration: { type: 'string' }, rounds: { type: 'string' }, quick: { type: 'boolean', default: false }, profile: { type: 'string' },
} })
const quick = values.quick
const N = Number(values.clusters ?? (quick ? 100 : 1000))
const LATENCY = Number(values.latency)
const CONC = Number(values.concurrency)
const DURATION = Number(values.duration ?? (quick ? 2 : 10))
const ROUNDS = Math.max(2, Number(values.rounds ?? (quick ? 5 : 50)))
const ROOT = join(import.meta.dirname, '..')
/** Progress on stderr as each figure is measured, so a long run is informative before the table. */
const note = (text: string): void => { process.stderr.write(`[bench] ${text}\n`) }
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`
const ms = (n: number): string => `${n.toFixed(n < 10 ? 1 : 0)} ms`
const percentile = (xs: readonly number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p / 100))] ?? Number.NaN
const median = (xs: readonly number[]): number => percentile(xs, 50)

function child (args: string[]): { proc: ChildProcess, out: Promise<string> } {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT })
  let text = ''
  proc.stdout?.on('data', (d: Buffer) => { text += d.toString() })
  return { proc, out: new Promise(resolve => proc.on('close', () => resolve(text))) }
}

// 1. The simulated vendors.
const sim = child(['--import', 'tsx', join(ROOT, 'scripts', 'sim-fleet.ts'), `--clusters=${N}`, `--latency=${LATENCY}`, '--products=20'])
const simUrl = await new Promise<string>(resolve => sim.proc.stdout?.once('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { url: string }).url)))
const clusters = fleetOf(N, { latencyMs: LATENCY, products: 20 })
const dir = tempDir('license-exporter-bench-')
writeFileSync(join(dir, 'config.yaml'), fleetConfig(clusters, simUrl, ['interval: 24h', 'timeout: 30s', `concurrency: ${CONC}`, 'stale_after: 48h']))

// 2. The exporter (compiled by `npm run bench` into .bench/). Rounds are driven by hand (interval 24h).
const exporterProc = fork(join(ROOT, '.bench', 'scripts', 'bench-exporter.js'), [join(dir, 'config.yaml'), String(await freePort())], {
  execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
})
exporterProc.on('exit', code => {
  note(`the exporter process exited (code ${code})`)
  sim.proc.kill()
  process.exit(1)
})
const nextMessage = <T>(): Promise<T> => new Promise(resolve => exporterProc.once('message', m => resolve(m as T)))
const ask = async <T>(msg: BenchRequest): Promise<T> => {
  const reply = nextMessage<T>()
  exporterProc.send(msg)
  return await reply
}
const { url } = await nextMessage<{ url: string }>()
const metricsUrl = `${url}/metrics`

/** A `/metrics` body as served: `gzip` gives the compressed bytes, as Prometheus receives them. */
async function scrape (gzip: boolean): Promise<{ body: Buffer, ms: number }> {
  const t = performance.now()
  const res = await request(metricsUrl, { headers: gzip ? { 'accept-encoding': 'gzip' } : {} })
  const body = Buffer.from(await res.body.arrayBuffer())
  return { body, ms: performance.now() - t }
}

const ideal = Math.ceil(N / CONC) * LATENCY
const round1 = await ask<RoundReply>({ cmd: 'round' })
note(`round 1: ${ms(round1.ms)} (ideal ${ideal} ms), ${round1.up}/${N} up, event-loop p99 ${ms(round1.loopP99Ms)}`)
const mem1 = await ask<MemoryReply>({ cmd: 'memory' })
const plain = (await scrape(false)).body
const gz = (await scrape(true)).body
const series = plain.toString().split('\n').filter(l => l !== '' && !l.startsWith('#')).length
note(`series ${series}, ${mb(plain.length)} (${mb(gz.length)} gzip); RSS ${mb(mem1.rss)}, heap ${mb(mem1.heapUsed)} after round 1`)

// 3. Later rounds (processes warm; the exporter closes each cluster's connections after its poll, as in production),
//    with one Prometheus-like client scraping every 50 ms meanwhile.
if (values.profile !== undefined) await ask({ cmd: 'profile-start' })
const warm: RoundReply[] = []
const duringRounds: number[] = []
for (let r = 2; r <= ROUNDS; r++) {
  const scraping = { on: true }
  const scraper = (async () => {
    while (scraping.on) {
      duringRounds.push((await scrape(true)).ms)
      await new Promise(resolve => setTimeout(resolve, 50))
    }
  })()
  const reply = await ask<RoundReply>({ cmd: 'round' })
  scraping.on = false
  await scraper
  warm.push(reply)
  if (r % 10 === 0 || r === ROUNDS) {
    note(`round ${r}: ${ms(reply.ms)}, event-loop p99 ${ms(reply.loopP99Ms)}; median so far ${ms(median(warm.map(w => w.ms)))}`)
    if (r % 10 === 0 && r !== ROUNDS) note(`  RSS after round ${r}: ${mb((await ask<MemoryReply>({ cmd: 'memory' })).rss)}`)
  }
}
if (values.profile !== undefined) {
  await ask({ cmd: 'profile-stop', file: values.profile })
  note(`CPU profile of rounds 2-${ROUNDS} written to ${values.profile}`)
}
const memN = await ask<MemoryReply>({ cmd: 'memory' })

// 4. /metrics throughput against an in-memory node:http ceiling serving the same bytes, with and without gzip.
interface Load { rps: number, p50: number, p99: number }
const cannon = async (target: string, gzip: boolean): Promise<Load> => {
  const r = child([join(ROOT, 'node_modules', 'autocannon', 'autocannon.js'), '-c', '32', '-d', String(DURATION), '-j',
    ...(gzip ? ['-H', 'accept-encoding=gzip'] : []), target])
  const j = JSON.parse(await r.out) as { requests: { average: number }, latency: { p50: number, p99: number } }
  return { rps: j.requests.average, p50: j.latency.p50, p99: j.latency.p99 }
}
writeFileSync(join(dir, 'body.txt'), plain)
writeFileSync(join(dir, 'body.gz'), gz)
const ceilingPort = await freePort()
const ceiling = child(['-e', `const fs=require('fs');const b=fs.readFileSync(${JSON.stringify(join(dir, 'body.txt'))});const z=fs.readFileSync(${JSON.stringify(join(dir, 'body.gz'))});
require('http').createServer((q,s)=>{const g=/gzip/.test(q.headers['accept-encoding']||'');s.writeHead(200,g?{'content-type':'text/plain; version=0.0.4','content-encoding':'gzip'}:{'content-type':'text/plain; version=0.0.4'});s.end(g?z:b)}).listen(${ceilingPort},'127.0.0.1',()=>console.log('up'))`])
await new Promise(resolve => ceiling.proc.stdout?.once('data', resolve))
const loads: Record<'oursGz' | 'ceilGz' | 'ours' | 'ceil', Load> = {
  oursGz: await cannon(metricsUrl, true),
  ceilGz: await cannon(`http://127.0.0.1:${ceilingPort}/`, true),
  ours: await cannon(metricsUrl, false),
  ceil: await cannon(`http://127.0.0.1:${ceilingPort}/`, false),
}
ceiling.proc.kill()
note(`/metrics gzip: ${Math.round(loads.oursGz.rps)} req/s, p99 ${loads.oursGz.p99} ms (ceiling ${Math.round(loads.ceilGz.rps)} req/s, p99 ${loads.ceilGz.p99} ms)`)
note(`/metrics plain: ${Math.round(loads.ours.rps)} req/s, p99 ${loads.ours.p99} ms (ceiling ${Math.round(loads.ceil.rps)} req/s, p99 ${loads.ceil.p99} ms)`)

const memLoad = await ask<MemoryReply>({ cmd: 'memory' })
const memText = (m: MemoryReply): string => `RSS ${mb(m.rss)}, heap ${mb(m.heapUsed)} used of ${mb(m.heapTotal)}, external ${mb(m.external)} (array buffers ${mb(m.arrayBuffers)})`
note(`memory after round 1: ${memText(mem1)}`)
note(`memory after round ${ROUNDS}: ${memText(memN)}`)
note(`memory after the /metrics load: ${memText(memLoad)}`)
exporterProc.removeAllListeners('exit')
await ask({ cmd: 'exit' })
sim.proc.kill('SIGTERM')

const warmMs = median(warm.map(w => w.ms))
const warmLoop = warm.map(w => w.loopP99Ms)
const ratio = (a: Load, b: Load): string => (a.rps / b.rps).toFixed(2)
const rows: Array<[string, string, string]> = [
  ['clusters (half Dynatrace, half IBM x 20 products)', String(N), ''],
  ['simulated latency per request / concurrency', `${LATENCY} ms / ${CONC}`, ''],
  ['1. poll round vs ideal ceil(N/c) x latency: round 1 (new connections)', `${ms(round1.ms)} vs ${ideal} ms = ${(round1.ms / ideal).toFixed(2)}x (${round1.up}/${N} up)`, ''],
  [`   rounds 2-${ROUNDS} (warm processes, new connections per poll), median`, `${ms(warmMs)} vs ${ideal} ms = ${(warmMs / ideal).toFixed(2)}x (${warm.at(-1)?.up ?? 0}/${N} up)`, '<= 1.25x'],
  ['2. /metrics series and bytes (gzip)', `${series} series, ${mb(plain.length)} (${mb(gz.length)})`, ''],
  ['3. /metrics gzip (as Prometheus asks), 32 clients', `${Math.round(loads.oursGz.rps)} req/s vs ceiling ${Math.round(loads.ceilGz.rps)} req/s = ${ratio(loads.oursGz, loads.ceilGz)}`, '>= 0.5'],
  ['   latency p50 / p99', `${loads.oursGz.p50} / ${loads.oursGz.p99} ms (ceiling ${loads.ceilGz.p50} / ${loads.ceilGz.p99} ms)`, 'p99 < 50 ms'],
  ['   /metrics uncompressed, 32 clients', `${Math.round(loads.ours.rps)} req/s vs ceiling ${Math.round(loads.ceil.rps)} req/s = ${ratio(loads.ours, loads.ceil)}`, '>= 0.5'],
  ['   latency p50 / p99', `${loads.ours.p50} / ${loads.ours.p99} ms (ceiling ${loads.ceil.p50} / ${loads.ceil.p99} ms)`, ''],
  ['   /metrics gzip while polling, 1 client every 50 ms, p50 / p99', `${ms(percentile(duringRounds, 50))} / ${ms(percentile(duringRounds, 99))} (${duringRounds.length} scrapes)`, ''],
  ['4. event-loop delay p99: round 1', ms(round1.loopP99Ms), ''],
  ['   warm rounds: median / worst of the rounds\' p99', `${ms(median(warmLoop))} / ${ms(Math.max(...warmLoop))}`, '< 20 ms'],
  ['5. RSS / heap used after round 1 (after a full GC)', `${mb(mem1.rss)} / ${mb(mem1.heapUsed)}`, 'RSS < 200 MB'],
  [`   RSS / heap used after round ${ROUNDS}`, `${mb(memN.rss)} / ${mb(memN.heapUsed)} (RSS ${memN.rss >= mem1.rss ? '+' : ''}${mb(memN.rss - mem1.rss)})`, 'flat'],
  ['   RSS / heap used after the /metrics load above', `${mb(memLoad.rss)} / ${mb(memLoad.heapUsed)}`, ''],
]
const w0 = Math.max(...rows.map(r => r[0].length))
const w1 = Math.max(...rows.map(r => r[1].length))
process.stdout.write(`\nlicense-exporter benchmark${quick ? ' (quick)' : ''}, node ${process.version}\n`)
for (const [k, v, target] of rows) process.stdout.write(`  ${k.padEnd(w0)}  ${v.padEnd(w1)}  ${target}\n`)
process.exit(0)
