/**
 * `npm run bench`: performance figures, printed (not asserted). Processes besides this one: the simulated
 * vendors (`bench-sim.ts`), the exporter compiled like production (`bench-exporter.ts`, driven over IPC, so
 * round time, CPU, event-loop delay and memory are its own), with `--cold` the bare-undici floor
 * (`bench-floor.ts`), and autocannon for the `/metrics` load.
 *
 * Options: --clusters=1000 --latency=50 --concurrency=64 --duration=10 --rounds=50 --quick --help
 *          --tls (the simulator serves HTTPS with its own CA; the exporter's clusters get `tls.ca_file`)
 *          --cold (the simulator closes every connection between rounds; a bare-undici floor runs beside,
 *                  in its own process, on new connections, and the table gives exporter / floor ratios)
 *          --production (= --tls --cold: what a real poll costs)
 *          --profile=FILE (a CPU profile of the exporter during rounds 2 onwards, for Chrome DevTools)
 *          --alloc-profile=FILE (a sampling heap profile of every allocation during rounds 2 onwards, with the
 *                  top allocating functions printed: where a round's garbage comes from)
 *          --heap-snapshots=DIR (heap snapshots of the exporter after round 10 and after the last round)
 *          --exporter-flags="..." (node flags for the exporter process instead of the image's, e.g. "" for none)
 *          --exporter-env="K=V ..." (environment for the exporter instead of the image's ENV, e.g. "" for none)
 *          --heap-trim=off (no memory-reducing GC when the polls go idle, to measure what it saves and costs)
 *          --pause=SECONDS (idle time before each later round, as between real poll rounds minutes apart; default 0)
 *
 * The exporter runs with the node flags and the environment of the image's runtime stage (read from the
 * Dockerfile's ENTRYPOINT and ENV lines), so that its figures are those of the exporter as shipped.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { request } from 'undici'
import type { BenchRequest, MemoryReply, RoundReply } from './bench-exporter.js'
import type { FloorJob, FloorRound } from './bench-floor.js'
import type { SimRequest } from './bench-sim.js'
import { certs } from '../test/fixtures/certs.js'
import { fleetOf } from '../test/simulator/fleet.js'
import { freePort, tempDir } from '../test/helpers.js'
import { imageRuntime } from './image-runtime.js'

const { values } = parseArgs({ options: {
  clusters: { type: 'string' }, latency: { type: 'string', default: '50' }, concurrency: { type: 'string', default: '64' },
  duration: { type: 'string' }, rounds: { type: 'string' }, quick: { type: 'boolean', default: false }, profile: { type: 'string' }, 'alloc-profile': { type: 'string' },
  tls: { type: 'boolean' }, cold: { type: 'boolean' }, production: { type: 'boolean', default: false },
  'heap-snapshots': { type: 'string' }, 'heap-trim': { type: 'string', default: 'on' }, pause: { type: 'string', default: '0' }, 'exporter-flags': { type: 'string' }, 'exporter-env': { type: 'string' },
  help: { type: 'boolean', default: false },
} })
if (values.help) {
  // The options, as this file's header comment documents them.
  const header = readFileSync(import.meta.filename, 'utf8').split('*/')[0] ?? ''
  process.stdout.write(`${header.replace(/^\/\*\*\n/, '').replace(/^ \* ?/gm, '')}\n`)
  process.exit(0)
}
const quick = values.quick
const TLS = values.tls ?? values.production
const COLD = values.cold ?? values.production
const N = Number(values.clusters ?? (quick ? 100 : 1000))
const LATENCY = Number(values.latency)
const CONC = Number(values.concurrency)
const DURATION = Number(values.duration ?? (quick ? 2 : 10))
const ROUNDS = Math.max(2, Number(values.rounds ?? (quick ? 5 : 50)))
const PAUSE_MS = Number(values.pause) * 1000
if (!Number.isFinite(PAUSE_MS) || PAUSE_MS < 0 || !['on', 'off'].includes(values['heap-trim'])) {
  process.stderr.write('--pause takes seconds (>= 0), --heap-trim on or off\n')
  process.exit(2)
}
const ROOT = join(import.meta.dirname, '..')
/** Progress on stderr as each figure is measured, so a long run is informative before the table. */
const note = (text: string): void => { process.stderr.write(`[bench] ${text}\n`) }
const mb = (bytes: number): string => Number.isNaN(bytes) ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(1)} MB`
const ms = (n: number): string => `${n.toFixed(n < 10 ? 1 : 0)} ms`
const percentile = (xs: readonly number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p / 100))] ?? Number.NaN
const median = (xs: readonly number[]): number => percentile(xs, 50)

function child (args: string[]): { proc: ChildProcess, out: Promise<string> } {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT })
  let text = ''
  proc.stdout?.on('data', (d: Buffer) => { text += d.toString() })
  return { proc, out: new Promise(resolve => proc.on('close', () => resolve(text))) }
}

const image = imageRuntime(ROOT)
const exporterFlags = values['exporter-flags'] === undefined ? image.flags : values['exporter-flags'].split(' ').filter(f => f !== '')
const exporterEnv = values['exporter-env'] === undefined
  ? image.env
  : Object.fromEntries(values['exporter-env'].split(' ').filter(kv => kv.includes('=')).map(kv => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))

// 1. The simulated vendors (HTTPS with a CA of their own under --tls), in a process of their own.
const dir = tempDir('license-exporter-bench-')
const pki = TLS ? certs() : undefined
const simProc = fork(join(ROOT, 'scripts', 'bench-sim.ts'), [`--clusters=${N}`, `--latency=${LATENCY}`, '--products=20',
  ...(pki !== undefined ? [`--tls-key=${pki.serverKey}`, `--tls-cert=${pki.serverCert}`] : [])], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
const simUrl = await new Promise<string>(resolve => simProc.once('message', m => resolve((m as { url: string }).url)))
/** Close every connection the simulator holds (between rounds, under --cold); how many there were. */
const dropConnections = (): Promise<number> => new Promise(resolve => {
  simProc.once('message', m => resolve((m as { dropped: number }).dropped))
  simProc.send({ cmd: 'drop' } satisfies SimRequest)
})
const clusters = fleetOf(N, { latencyMs: LATENCY, products: 20 })
const tlsPart = pki !== undefined ? `, tls: { ca_file: "${pki.caCert}" }` : ''
writeFileSync(join(dir, 'config.yaml'), ['global:', '  interval: 24h', '  timeout: 30s', `  concurrency: ${CONC}`, '  stale_after: 48h', 'clusters:',
  ...Object.entries(clusters).map(([name, sc]) => `  - { name: ${name}, type: ${sc.kind === 'ibm' ? 'ibm_license_service' : 'dynatrace_managed'}, url: "${simUrl}/${name}", token: ${sc.token}${tlsPart} }`),
].join('\n') + '\n')

// 2. The exporter (compiled by `npm run bench` into .bench/). Rounds are driven by hand (interval 24h).
const exporterProc = fork(join(ROOT, '.bench', 'scripts', 'bench-exporter.js'), [join(dir, 'config.yaml'), String(await freePort()), values['heap-trim']], {
  execArgv: ['--expose-gc', ...exporterFlags], env: { ...process.env, ...exporterEnv }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
})
exporterProc.on('exit', code => {
  note(`the exporter process exited (code ${code})`)
  simProc.kill()
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

/** A profile's call frame as `name file:line`, with paths shortened to the package or `src/`/`scripts/`. */
interface CallFrame { functionName: string, url: string, lineNumber: number }
function frameLabel (f: CallFrame): string {
  const file = f.url.replace(/^.*node_modules\//, '').replace(/^.*\/(src|scripts)\//, '$1/')
  return `${f.functionName || '(anonymous)'} ${file}${f.url === '' ? '' : `:${f.lineNumber + 1}`}`
}

/** The functions with the most self time in a CPU profile (`.cpuprofile`), as printable lines. */
function topSelfTime (file: string, n: number): string[] {
  interface Node { id: number, callFrame: CallFrame }
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[], samples: number[], timeDeltas: number[] }
  const byId = new Map(p.nodes.map(node => [node.id, node]))
  const self = new Map<string, number>()
  let total = 0
  p.samples.forEach((id, i) => {
    const f = byId.get(id)?.callFrame
    const dt = p.timeDeltas[i] ?? 0
    total += dt
    const where = f === undefined ? '?' : frameLabel(f)
    self.set(where, (self.get(where) ?? 0) + dt)
  })
  return [`top self time of ${(total / 1e6).toFixed(1)} s sampled:`,
    ...[...self].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${(100 * v / total).toFixed(1).padStart(5)} %  ${k}`)]
}

/** The functions that allocate the most bytes in a sampling heap profile (`.heapprofile`), per round, as printable lines. */
function topAllocations (file: string, rounds: number, n: number): string[] {
  interface Node { callFrame: CallFrame, selfSize: number, children: Node[] }
  const root = (JSON.parse(readFileSync(file, 'utf8')) as { head: Node }).head
  const self = new Map<string, number>()
  let total = 0
  const walk = (node: Node): void => {
    const where = frameLabel(node.callFrame)
    self.set(where, (self.get(where) ?? 0) + node.selfSize)
    total += node.selfSize
    for (const c of node.children) walk(c)
  }
  walk(root)
  return [`${mb(total / rounds)} allocated per round (sampled), by function:`,
    ...[...self].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${(100 * v / total).toFixed(1).padStart(5)} %  ${mb(v / rounds).padStart(8)}  ${k}`)]
}

/** A `/metrics` body as served: `gzip` gives the compressed bytes, as Prometheus receives them. */
async function scrape (gzip: boolean): Promise<{ body: Buffer, ms: number }> {
  const t = performance.now()
  const res = await request(metricsUrl, { headers: gzip ? { 'accept-encoding': 'gzip' } : {} })
  const body = Buffer.from(await res.body.arrayBuffer())
  return { body, ms: performance.now() - t }
}

const ideal = Math.ceil(N / CONC) * LATENCY
const load = (): string => loadavg().map(l => l.toFixed(2)).join(' ')
const loadAtStart = load()
const runtimeText = `exporter flags: ${exporterFlags.join(' ') || 'none'}; env: ${Object.entries(exporterEnv).map(([k, v]) => `${k}=${v}`).join(' ') || 'none'}; heap trim ${values['heap-trim']}${PAUSE_MS > 0 ? `; ${values.pause} s idle before each later round` : ''}`
note(`${availableParallelism()} cores, node ${process.version}, load average ${loadAtStart}; ${N} clusters, ${TLS ? 'HTTPS' : 'HTTP'}${COLD ? ', connections closed between rounds, floor beside' : ''}`)
note(runtimeText)
const memStart = await ask<MemoryReply>({ cmd: 'memory' })

// The floor (under --cold): a bare undici client in its own process, the same requests on new connections.
let floorProc: ChildProcess | undefined
const floorRounds: FloorRound[] = []
if (COLD) {
  const job: FloorJob = {
    url: simUrl, concurrency: CONC, ...(pki !== undefined ? { caFile: pki.caCert } : {}),
    clusters: Object.entries(clusters).map(([name, sc]) => ({ name, kind: sc.kind, token: sc.token })),
  }
  writeFileSync(join(dir, 'floor.json'), JSON.stringify(job))
  floorProc = fork(join(ROOT, '.bench', 'scripts', 'bench-floor.js'), [join(dir, 'floor.json')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  await new Promise(resolve => floorProc?.once('message', resolve))
}
/** Floor rounds: one after each of the exporter's first rounds (so both see the same machine load). */
const FLOOR_ROUNDS = Math.min(ROUNDS, quick ? ROUNDS : 11)
const floorRound = async (): Promise<void> => {
  if (floorProc === undefined || floorRounds.length >= FLOOR_ROUNDS) return
  await dropConnections()
  const reply = new Promise<FloorRound>(resolve => floorProc?.once('message', m => resolve(m as FloorRound)))
  floorProc.send({ cmd: 'round' })
  floorRounds.push(await reply)
}
const roundText = (r: number, x: RoundReply): string => `round ${r}: ${ms(x.ms)} = ${(x.ms / ideal).toFixed(2)}x ideal, CPU ${(x.cpuMs / 1000).toFixed(2)} s (${(x.cpuPollMs / N).toFixed(2)} ms per cluster poll), event-loop p99 ${ms(x.loopP99Ms)}, RSS ${mb(x.rss)} (peak ${mb(x.peakRss)})${x.trims > 0 ? ` (heap trimmed: ${ms(x.trimMs)})` : ''}`

const round1 = await ask<RoundReply>({ cmd: 'round' })
note(roundText(1, round1) + `, ${round1.up}/${N} up`)
const mem1 = await ask<MemoryReply>({ cmd: 'memory' })
await floorRound()
const plain = (await scrape(false)).body
const gz = (await scrape(true)).body
const series = plain.toString().split('\n').filter(l => l !== '' && !l.startsWith('#')).length
note(`series ${series}, ${mb(plain.length)} (${mb(gz.length)} gzip); RSS ${mb(mem1.rss)}, heap ${mb(mem1.heapUsed)} after round 1`)

// 3. Later rounds (processes warm; the exporter closes each cluster's connections after its poll, as in production;
//    under --cold the simulator also drops every connection between rounds), with one Prometheus-like client
//    scraping every 50 ms meanwhile.
if (values.profile !== undefined) await ask({ cmd: 'profile-start' })
if (values['alloc-profile'] !== undefined) await ask({ cmd: 'alloc-start' })
const warm: RoundReply[] = []
const duringRounds: number[] = []
const rssAt: Array<[number, number]> = [[1, mem1.rss]]
let dropped = 0
for (let r = 2; r <= ROUNDS; r++) {
  if (PAUSE_MS > 0) await new Promise(resolve => setTimeout(resolve, PAUSE_MS))
  if (COLD) dropped += await dropConnections()
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
  if (r <= 5 || r % 10 === 0 || r === ROUNDS) note(roundText(r, reply))
  if (r % 10 === 0 && r !== ROUNDS) {
    const m = await ask<MemoryReply>({ cmd: 'memory' })
    rssAt.push([r, m.rss])
    note(`  after round ${r} (full GC): RSS ${mb(m.rss)}, heap ${mb(m.heapUsed)} used of ${mb(m.heapTotal)}, array buffers ${mb(m.arrayBuffers)}`)
    if (r === 10 && values['heap-snapshots'] !== undefined) await ask({ cmd: 'heap-snapshot', file: join(values['heap-snapshots'], 'round-10.heapsnapshot') })
  }
  await floorRound()
}
if (values['alloc-profile'] !== undefined) {
  await ask({ cmd: 'alloc-stop', file: values['alloc-profile'] })
  note(`allocation profile of rounds 2-${ROUNDS} written to ${values['alloc-profile']}`)
  for (const line of topAllocations(values['alloc-profile'], ROUNDS - 1, 20)) note(`  ${line}`)
}
if (values.profile !== undefined) {
  await ask({ cmd: 'profile-stop', file: values.profile })
  note(`CPU profile of rounds 2-${ROUNDS} written to ${values.profile}`)
  for (const line of topSelfTime(values.profile, 15)) note(`  ${line}`)
}
const memN = await ask<MemoryReply>({ cmd: 'memory' })
rssAt.push([ROUNDS, memN.rss])
if (values['heap-snapshots'] !== undefined) await ask({ cmd: 'heap-snapshot', file: join(values['heap-snapshots'], `round-${ROUNDS}.heapsnapshot`) })
floorProc?.send({ cmd: 'exit' })
if (COLD) note(`the simulator closed ${dropped} idle connections between rounds (the exporter keeps none: expect 0)`)

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
const memText = (m: MemoryReply): string => `RSS ${mb(m.rss)}, heap ${mb(m.heapUsed)} used of ${mb(m.heapTotal)} (${Object.entries(m.spaces).filter(([, v]) => v >= 1024 * 1024).map(([k, v]) => `${k.replace(/_space$/, '')} ${mb(v)}`).join(', ')}), external ${mb(m.external)} (array buffers ${mb(m.arrayBuffers)}); RSS by mapping: malloc heap ${mb(m.mappings.heap)}, anonymous ${mb(m.mappings.anon)}, files ${mb(m.mappings.file)}`
note(`memory after round 1: ${memText(mem1)}`)
note(`memory after round ${ROUNDS}: ${memText(memN)}`)
note(`memory after the /metrics load: ${memText(memLoad)}`)
exporterProc.removeAllListeners('exit')
await ask({ cmd: 'exit' })
simProc.disconnect()

const warmMs = median(warm.map(w => w.ms))
const warmLoop = warm.map(w => w.loopP99Ms)
const warmCpu = median(warm.map(w => w.cpuMs))
const warmCpuPoll = median(warm.map(w => w.cpuPollMs))
const warmRss = warm.map(w => w.rss)
const warmPeak = warm.map(w => w.peakRss)
const ratio = (a: Load, b: Load): string => (a.rps / b.rps).toFixed(2)
const sec = (cpuMs: number): string => `${(cpuMs / 1000).toFixed(2)} s`
const mode = `${TLS ? 'HTTPS (own CA)' : 'HTTP'}, ${COLD ? 'connections closed between rounds' : 'no connection kept between polls'}`
/** RSS from round 10 to the last round, as a share of round 10's (target: flat, < 10 %). */
const rss10 = rssAt.find(([r]) => r === 10)?.[1]
const growth = rss10 === undefined ? '' : `, round 10 -> ${ROUNDS}: ${memN.rss >= rss10 ? '+' : ''}${(100 * (memN.rss - rss10) / rss10).toFixed(1)} %`
const allRounds = [round1, ...warm]
const trimCount = allRounds.reduce((n, x) => n + x.trims, 0)
const trimTotal = allRounds.reduce((n, x) => n + x.trimMs, 0)
const trimText = values['heap-trim'] === 'off' ? 'off' : `${trimCount}, ${ms(trimCount === 0 ? 0 : trimTotal / trimCount)} each on average (their time = ${(100 * trimTotal / allRounds.reduce((n, x) => n + x.cpuMs, 0)).toFixed(1)} % of the rounds' CPU time)`
const rows: Array<[string, string, string]> = [
  ['clusters (half Dynatrace, half IBM x 20 products) / mode', `${N} / ${mode}`, ''],
  ['simulated latency per request / concurrency', `${LATENCY} ms / ${CONC}`, ''],
  ['1. poll round vs ideal ceil(N/c) x latency: round 1 (cold processes)', `${ms(round1.ms)} vs ${ideal} ms = ${(round1.ms / ideal).toFixed(2)}x (${round1.up}/${N} up)`, ''],
  [`   rounds 2-${ROUNDS} (warm processes, new connections per poll), median`, `${ms(warmMs)} vs ${ideal} ms = ${(warmMs / ideal).toFixed(2)}x (${warm.at(-1)?.up ?? 0}/${N} up)`, '<= 1.25x'],
  ['   exporter CPU per round (polls + render), round 1 / median', `${sec(round1.cpuMs)} / ${sec(warmCpu)}`, ''],
  ['   heap trims (memory-reducing GC when the polls go idle), rounds 1-' + String(ROUNDS), trimText, ''],
  ['   exporter CPU per cluster poll (polls only), round 1 / median', `${(round1.cpuPollMs / N).toFixed(2)} / ${(warmCpuPoll / N).toFixed(2)} ms`, ''],
]
if (floorRounds.length > 0) {
  const f1 = floorRounds[0] as FloorRound
  const fw = floorRounds.slice(1)
  const fMs = fw.length > 0 ? median(fw.map(f => f.ms)) : f1.ms
  const fCpu = fw.length > 0 ? median(fw.map(f => f.cpuMs)) : f1.cpuMs
  rows.push(
    [`   floor (bare undici, own process), round 1 / median of rounds 2-${floorRounds.length}`, `${ms(f1.ms)} / ${ms(fMs)} = ${(fMs / ideal).toFixed(2)}x ideal; CPU ${sec(f1.cpuMs)} / ${sec(fCpu)} (${(fCpu / N).toFixed(2)} ms per cluster); ${floorRounds.at(-1)?.ok ?? 0}/${N} ok`, ''],
    ['   exporter / floor, warm medians: wall time', `${(warmMs / fMs).toFixed(2)}x (round 1: ${(round1.ms / f1.ms).toFixed(2)}x)`, ''],
    ['   exporter / floor, warm medians: CPU, polls + render (polls only)', `${(warmCpu / fCpu).toFixed(2)}x (${(warmCpuPoll / fCpu).toFixed(2)}x); round 1: ${(round1.cpuMs / f1.cpuMs).toFixed(2)}x`, '<= 1.3x']
  )
}
rows.push(
  ['2. /metrics series and bytes (gzip)', `${series} series, ${mb(plain.length)} (${mb(gz.length)})`, ''],
  ['3. /metrics gzip (as Prometheus asks), 32 clients', `${Math.round(loads.oursGz.rps)} req/s vs ceiling ${Math.round(loads.ceilGz.rps)} req/s = ${ratio(loads.oursGz, loads.ceilGz)}`, '>= 0.9'],
  ['   latency p50 / p99', `${loads.oursGz.p50} / ${loads.oursGz.p99} ms (ceiling ${loads.ceilGz.p50} / ${loads.ceilGz.p99} ms)`, ''],
  ['   /metrics uncompressed, 32 clients', `${Math.round(loads.ours.rps)} req/s vs ceiling ${Math.round(loads.ceil.rps)} req/s = ${ratio(loads.ours, loads.ceil)}`, ''],
  ['   latency p50 / p99', `${loads.ours.p50} / ${loads.ours.p99} ms (ceiling ${loads.ceil.p50} / ${loads.ceil.p99} ms) = ${(loads.ours.p99 / loads.ceil.p99).toFixed(2)}x`, 'p99 <= 1.5x ceiling'],
  ['   /metrics gzip while polling, 1 client every 50 ms, p50 / p99', `${ms(percentile(duringRounds, 50))} / ${ms(percentile(duringRounds, 99))} (${duringRounds.length} scrapes)`, ''],
  ['4. event-loop delay p99: round 1', ms(round1.loopP99Ms), ''],
  ['   warm rounds: median / worst of the rounds\' p99', `${ms(median(warmLoop))} / ${ms(Math.max(...warmLoop))}`, '< 20 ms'],
  ['5. RSS before round 1 (config loaded, after a full GC)', `${mb(memStart.rss)} / heap ${mb(memStart.heapUsed)}`, ''],
  ['   RSS / heap used after round 1 (after a full GC)', `${mb(mem1.rss)} / ${mb(mem1.heapUsed)}`, 'RSS < 200 MB'],
  [`   RSS / heap used after round ${ROUNDS}`, `${mb(memN.rss)} / ${mb(memN.heapUsed)} (RSS ${memN.rss >= mem1.rss ? '+' : ''}${mb(memN.rss - mem1.rss)} from round 1${growth})`, 'flat: < 10 % from round 10'],
  ['   RSS right after each warm round (after its trim, no full GC): median / max', `${mb(median(warmRss))} / ${mb(Math.max(...warmRss))}`, ''],
  ['   peak RSS during each warm round (VmHWM): median / max', `${mb(median(warmPeak))} / ${mb(Math.max(...warmPeak))}`, ''],
  ['   RSS / heap used after the /metrics load above', `${mb(memLoad.rss)} / ${mb(memLoad.heapUsed)}`, ''],
  ['   memory per cluster: (RSS after the last round - before round 1) / N', `${((memN.rss - memStart.rss) / N / 1024).toFixed(1)} KB`, '']
)
const w0 = Math.max(...rows.map(r => r[0].length))
const w1 = Math.max(...rows.map(r => r[1].length))
process.stdout.write(`\nlicense-exporter benchmark${quick ? ' (quick)' : ''}${values.production ? ' (production-like)' : ''}: ${availableParallelism()} cores, node ${process.version}, load average at start ${loadAtStart}, at end ${load()}\n`)
process.stdout.write(`  ${runtimeText}\n`)
for (const [k, v, target] of rows) process.stdout.write(`  ${k.padEnd(w0)}  ${v.padEnd(w1)}  ${target}\n`)
process.exit(0)
