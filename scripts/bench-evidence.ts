/**
 * `npm run bench:evidence`: what the evidence index costs on a big vault, printed (not asserted). A vault of
 * `--clusters` x `--archives` daily archives (each a `--days`-day x `--products`-product products_daily CSV)
 * is generated once into `--vault` (reused when present), then the exporter, built as the image runs it
 * (dist/, the Dockerfile's node flags and ENV), runs against it:
 *
 * 1. cold: no index; time until every archive is read, peak RSS, CPU, `/metrics` latency meanwhile;
 * 2. reports over the API: the quarter to date and two years, each checked against the known answer;
 * 3. warm: a restart with the index present, time until it is in step again;
 * 4. `--report --report.offline` from the command line, from a copy of the index and from the archives only.
 *
 * Options: --clusters=100 --archives=730 --days=90 --products=20 --vault=DIR --quick (10 x 60) --help
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { freePort, tempDir } from '../test/helpers.js'
import { clusterName, knownPeaks } from './bench-vault.js'
import { benchArgs, cpuSeconds, DAY_MS, fmt, pct, procStatus, sleep, untilIndexed } from './bench-args.js'
import { imageRuntime } from './image-runtime.js'

const { vault: vaultFlag, shape, today, total } = benchArgs(import.meta.filename, { full: 730, quick: 60 })
const ROOT = join(import.meta.dirname, '..')
const vault = vaultFlag ?? join(ROOT, '.bench', `vault-${shape.clusters}x${shape.archives}x${shape.days}x${shape.products}-${today}`)
const print = (text: string): void => { process.stdout.write(`${text}\n`) }

// 0. The vault (generated in worker threads, once per day and shape).
print(`vault: ${shape.clusters} clusters x ${shape.archives} daily archives of ${shape.days} days x ${shape.products} products = ${total} archives`)
if (!existsSync(join(vault, '.complete'))) {
  const t0 = performance.now()
  const workers = Math.max(1, availableParallelism())
  const per = Math.ceil(shape.clusters / workers)
  await Promise.all(Array.from({ length: workers }, (_, i) => new Promise<void>((resolve, reject) => {
    const w = new Worker(new URL('./bench-vault.ts', import.meta.url), { workerData: { dir: vault, shape, from: i * per, to: Math.min(shape.clusters, (i + 1) * per) } })
    w.once('message', () => resolve())
    w.once('error', reject)
  })))
  writeFileSync(join(vault, '.complete'), '')
  print(`  generated in ${fmt(performance.now() - t0)} into ${vault}`)
}
const bytes = spawnSync('du', ['-sb', vault], { encoding: 'utf8' }).stdout.split('\t')[0]
print(`  ${(Number(bytes) / 2 ** 20).toFixed(0)} MiB on disk`)

// The exporter as the image runs it.
if (spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' }).status !== 0) throw new Error('npm run build failed')
const image = imageRuntime(ROOT)
const dir = tempDir('license-exporter-bench-evidence-')
const indexFile = join(dir, 'index.sqlite')
const config = join(dir, 'config.yaml')
writeFileSync(config, ['global: { interval: 1h, timeout: 1s }', 'clusters:', ...Array.from({ length: shape.clusters }, (_, c) =>
  `  - { name: ${clusterName(c)}, type: ibm_license_service, url: "http://127.0.0.1:9/${clusterName(c)}", token: bench, snapshot: { directory: ${vault}, interval: 30d } }`)].join('\n') + '\n')

interface Running { proc: ChildProcess, url: string }
async function startExporter (): Promise<Running> {
  const port = await freePort()
  const proc = spawn(process.execPath, [...image.flags, join(ROOT, 'dist', 'main.js'), `--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, `--evidence.index-path=${indexFile}`, '--log.level=warn'],
    { cwd: ROOT, env: { ...process.env, ...image.env }, stdio: ['ignore', 'ignore', 'inherit'] })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 200; i++) {
    if (await fetch(`${url}/healthz`).then(r => r.ok, () => false)) return { proc, url }
    await sleep(50)
  }
  throw new Error('the exporter did not start')
}

/** A report over the API: its time, and whether its peaks equal the known answer. */
async function report (r: Running, fromDay: number, toDay: number): Promise<{ ms: number, ok: boolean, rows: number }> {
  const day = (d: number): string => new Date(d * DAY_MS).toISOString().slice(0, 10)
  const t0 = performance.now()
  const json = await fetch(`${r.url}/api/v1/report?from=${day(fromDay)}&to=${day(toDay)}`).then(res => res.json()) as { rows: Array<{ product: string, metric: string, peak: number, peak_date: string }> }
  const ms = performance.now() - t0
  const known = knownPeaks(shape, fromDay, toDay)
  const ok = json.rows.length === shape.products && json.rows.every(row => {
    const k = known.get(`${row.product}\0${row.metric}`)
    return k !== undefined && k.peak === row.peak && day(k.day) === row.peak_date
  })
  return { ms, ok, rows: json.rows.length }
}

async function stop (r: Running): Promise<number> {
  const t0 = performance.now()
  r.proc.kill('SIGTERM')
  await new Promise(resolve => r.proc.once('exit', resolve))
  return performance.now() - t0
}

const rows: Array<[string, string]> = []
// 1. Cold.
rmSync(indexFile, { force: true })
let r = await startExporter()
let cpu0 = cpuSeconds(r.proc.pid!)
const cold = await untilIndexed(r.url, r.proc.pid!, total, { progress: done => print(`  ... ${done} of ${total} read`) })
rows.push(['cold ingest: every archive read', `${fmt(cold.ms)} (${(total / (cold.ms / 1000)).toFixed(0)} archives/s, CPU ${(cpuSeconds(r.proc.pid!) - cpu0).toFixed(0)} s)`])
rows.push(['RSS during the cold ingest: median / peak', `${cold.rssMedian.toFixed(0)} / ${procStatus(r.proc.pid!, 'VmHWM').toFixed(0)} MB`])
rows.push(['/metrics during the cold ingest: p50 / p99 / max', `${pct(cold.latencies, 0.5).toFixed(1)} / ${pct(cold.latencies, 0.99).toFixed(1)} / ${Math.max(...cold.latencies).toFixed(1)} ms (${cold.latencies.length} scrapes; over 100 ms: ${cold.slowest})`])
const indexBytes = readdirSync(dir).filter(f => f.startsWith('index.sqlite')).reduce((n, f) => n + Number(spawnSync('stat', ['-c%s', join(dir, f)], { encoding: 'utf8' }).stdout), 0)
rows.push(['index size', `${(indexBytes / 2 ** 20).toFixed(0)} MiB`])

// 2. Reports.
const quarterStart = ((): number => { const d = new Date(today * DAY_MS); return Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3, 1) / DAY_MS })()
for (const [label, fromDay] of [['quarter to date', quarterStart], ['two years', today - 729]] as const) {
  const runs = [await report(r, fromDay, today), await report(r, fromDay, today), await report(r, fromDay, today)]
  rows.push([`report, ${label} (${today - fromDay + 1} days): first / median`, `${fmt(runs[0]!.ms)} / ${fmt(pct(runs.map(x => x.ms), 0.5))}; ${runs.every(x => x.ok) ? 'equal to the known answer' : 'DIFFERENT FROM THE KNOWN ANSWER'} (${runs[0]!.rows} rows)`])
}
await sleep(5000)
rows.push(['RSS of the running exporter 5 s after the reports', `${procStatus(r.proc.pid!, 'VmRSS').toFixed(0)} MB`])
rows.push(['shutdown', fmt(await stop(r))])

// 3. Warm start.
const t0 = performance.now()
r = await startExporter()
cpu0 = cpuSeconds(r.proc.pid!)
const warm = await untilIndexed(r.url, r.proc.pid!, total, { progress: done => print(`  ... ${done} of ${total} read`) })
rows.push(['warm start: listening and the index in step', `${fmt(performance.now() - t0)} (CPU ${(cpuSeconds(r.proc.pid!) - cpu0).toFixed(1)} s)`])
await sleep(5000)
rows.push(['RSS 5 s after the warm start', `${procStatus(r.proc.pid!, 'VmRSS').toFixed(0)} MB (peak ${procStatus(r.proc.pid!, 'VmHWM').toFixed(0)} MB)`])
void warm
await stop(r)

// 4. The command line.
const cli = (extra: string[]): { ms: number, status: number | null } => {
  const s = performance.now()
  const res = spawnSync(process.execPath, [join(ROOT, 'dist', 'main.js'), `--config.file=${config}`, '--report', '--report.offline', ...extra], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 })
  return { ms: performance.now() - s, status: res.status }
}
const copied = cli([`--evidence.index-path=${indexFile}`])
rows.push(['--report --report.offline (quarter), from a copy of the index', `${fmt(copied.ms)} (exit ${copied.status})`])
const fresh = cli([`--evidence.index-path=${join(dir, 'none.sqlite')}`])
rows.push(['--report --report.offline (quarter), from the archives only', `${fmt(fresh.ms)} (exit ${fresh.status})`])

print(`\nnode ${process.version}, ${availableParallelism()} cores; exporter: node ${image.flags.join(' ')} dist/main.js\n`)
print('| figure | value |\n|---|---|')
for (const [k, v] of rows) print(`| ${k} | ${v} |`)
mkdirSync(join(ROOT, '.bench'), { recursive: true })
rmSync(dir, { recursive: true, force: true })
