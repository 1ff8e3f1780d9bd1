/**
 * `npm run bench:bucket`: what the evidence costs when it is kept in a bucket (issue #21), printed (not
 * asserted). moto's S3 server (`python3 -m moto.server`, on the machine image; the benchmark fails when moto
 * is missing) plays the bucket. A vault of `--clusters` x `--archives` daily archives (each a `--days`-day x
 * `--products`-product products_daily CSV, as `npm run bench:evidence` makes them: scripts/bench-vault.ts) is
 * generated into a temp folder, then, with the exporter built as the image runs it (dist/, the Dockerfile's
 * node flags and ENV):
 *
 * 1. upload: `--snapshot.migrate=DIR` into the bucket (every object created, read back and hashed);
 * 2. listing: the bucket's cluster folders and each folder's archives, through the exporter's S3 vault class,
 *    one folder at a time and 5 at a time (as the index lists), beside the same listing of the local folder;
 * 3. `--report --report.offline --snapshot.store=s3://...` of the quarter with no index, against the same
 *    report from the local folder (`--report.offline`): must be byte for byte equal, else the run fails;
 * 4. the exporter on a config of the clusters with `snapshot.store` on the bucket (cluster URLs refuse
 *    connections; snapshot interval 30d, so nothing is downloaded): cold (no index) until every archive is
 *    read, its report checked against the known answer; then a warm restart that finds one archive more
 *    in the bucket (as after another replica's upload), until that one is read too.
 *
 * Every temp folder is removed and every process it started is ended at the end, also on failure.
 *
 * Options: --clusters=100 --archives=30 --days=90 --products=20 --quick (10 x 10) --help
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import { bucketVault, directoryVault, type Vault } from '../src/archive/store.js'
import { archiveName } from '../src/archive/vault.js'
import { openVault } from '../src/archive/vaults.js'
import { s3StoreSchema } from '../src/sources/ibm/store-schema.js'
import { freePort } from '../test/helpers.js'
import { clusterName, knownPeaks, writeClusters } from './bench-vault.js'
import { benchArgs, cpuSeconds, DAY_MS, fmt, pct, procStatus, sleep, untilIndexed, type Indexed } from './bench-args.js'
import { imageRuntime } from './image-runtime.js'

const { shape, today, total } = benchArgs(import.meta.filename, { full: 30, quick: 10 })
const ROOT = join(import.meta.dirname, '..')
const BUCKET = 'bench-evidence'
const PREFIX = 'bench'
const print = (text: string): void => { process.stdout.write(`${text}\n`) }

// Everything this run starts, ended on the way out whatever happens: each child leads a process group of its
// own (so the node under /usr/bin/time goes too), and a signal to this process ends them all.
const dir = mkdtempSync(join(tmpdir(), 'license-exporter-bench-bucket-'))
const children = new Set<ChildProcess>()
function killAll (signal: NodeJS.Signals): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      try { process.kill(-c.pid, signal) } catch { /* gone already */ }
    }
  }
}
function cleanUp (): void {
  killAll('SIGKILL')
  children.clear()
  rmSync(dir, { recursive: true, force: true })
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`\n${signal}: ending the processes of the benchmark, removing ${dir}\n`)
    cleanUp()
    process.exit(130)
  })
}
function track (c: ChildProcess): ChildProcess {
  children.add(c)
  c.once('exit', () => children.delete(c))
  return c
}
/** The last `max` characters of a stream (for error messages), read to the end so the child never blocks. */
function tail (stream: NodeJS.ReadableStream | null, max = 16_384): () => string {
  let text = ''
  stream?.on('data', (chunk: Buffer) => { text = (text + chunk.toString()).slice(-max) })
  return () => text
}

/** S3 requests moto served, by kind (from its request log on stderr). */
const requests: Record<string, number> = {}
/** moto's process, for its CPU time. */
let motoPid: number | undefined
/** The requests served and moto's CPU seconds so far. */
interface Mark { counts: Record<string, number>, cpu: number }
const mark = (): Mark => ({ counts: { ...requests }, cpu: motoPid === undefined ? 0 : cpuSeconds(motoPid) })
/** The requests since `before`, divided by `runs`, and moto's CPU time meanwhile, as text. */
function requestsSince (before: Mark, runs = 1): string {
  const parts = Object.entries(requests).map(([k, n]) => [k, Math.round((n - (before.counts[k] ?? 0)) / runs)] as const).filter(([, n]) => n > 0)
  const cpu = motoPid === undefined ? '' : `; moto's CPU ${((cpuSeconds(motoPid) - before.cpu) / runs).toFixed(1)} s`
  return `${parts.length === 0 ? 'none' : parts.sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`).join(', ')}${cpu}`
}
function countRequest (line: string): void {
  const m = /"([A-Z]+) (\S+) HTTP\/[\d.]+"/.exec(line)
  if (m === null || m[2]!.startsWith('/moto-api')) return
  const [path, query = ''] = m[2]!.split('?')
  const kind = m[1] === 'GET' && /(^|&)list-type=2(&|$)/.test(query) ? 'LIST' : m[1] === 'PUT' && path!.split('/').filter(Boolean).length < 2 ? 'CreateBucket' : m[1]!
  requests[kind] = (requests[kind] ?? 0) + 1
}

/** moto's version; throws when `python3 -c 'import moto'` fails. */
function motoVersion (): string {
  const check = spawnSync('python3', ['-c', 'import moto, moto.server; print(moto.__version__)'], { encoding: 'utf8' })
  if (check.status !== 0) {
    const why = check.error?.message ?? check.stderr.trim().split('\n').at(-1)
    throw new Error(`moto is missing: python3 -c 'import moto' failed (${why}); the bucket benchmark needs moto's S3 server (python3 -m moto.server), as the S3 tests do`)
  }
  return check.stdout.trim()
}

/** moto's S3 server on a free port; its request log is counted in {@link requests}. */
async function startMoto (): Promise<{ endpoint: string, proc: ChildProcess, stderr: () => string }> {
  const port = await freePort()
  const endpoint = `http://127.0.0.1:${port}`
  const proc = track(spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' } }))
  const stderr = tail(proc.stderr)
  let partial = ''
  proc.stderr?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) countRequest(line)
  })
  const until = Date.now() + 30_000
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`moto's S3 server exited (${proc.exitCode}) before it answered:\n${stderr()}`)
    if (await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) }).then(r => r.status < 500, () => false)) break
    if (Date.now() > until) throw new Error(`moto's S3 server did not answer within 30 s:\n${stderr()}`)
    await sleep(100)
  }
  motoPid = proc.pid
  print(`moto's S3 server on ${endpoint}`)
  return { endpoint, proc, stderr }
}

/** A child run to its end: wall time, exit code, output, peak RSS (GNU time's %M, else VmHWM polled from /proc). */
interface Run { ms: number, status: number | null, stdout: string, stderr: string, peakMb: number }
async function run (args: string[]): Promise<Run> {
  const gnuTime = existsSync('/usr/bin/time')
  const timeFile = join(dir, 'time.out')
  rmSync(timeFile, { force: true })
  const argv = [...image.flags, join(ROOT, 'dist', 'main.js'), ...args]
  const t0 = performance.now()
  const child = track(spawn(gnuTime ? '/usr/bin/time' : process.execPath, gnuTime ? ['-f', '%M', '-o', timeFile, process.execPath, ...argv] : argv,
    { cwd: ROOT, detached: true, env: { ...process.env, ...image.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] }))
  const out: Buffer[] = []
  child.stdout?.on('data', (c: Buffer) => out.push(c))
  const err = tail(child.stderr)
  let hwm = 0
  const poll = gnuTime ? undefined : setInterval(() => { try { hwm = Math.max(hwm, procStatus(child.pid!, 'VmHWM')) } catch { /* exited */ } }, 20)
  const status = await new Promise<number | null>(resolve => child.once('close', code => resolve(code)))
  const ms = performance.now() - t0
  clearInterval(poll)
  const peakMb = gnuTime ? Number(readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)) / 1024 : hwm
  return { ms, status, stdout: Buffer.concat(out).toString('utf8'), stderr: err(), peakMb }
}
/** {@link run}, failing unless it exits 0. */
const mustRun = async (what: string, args: string[]): Promise<Run> => {
  const r = await run(args)
  if (r.status !== 0) throw new Error(`${what}: exit ${r.status}\n${r.stderr}`)
  return r
}

/** The cluster folders of a vault and each one's archives, `concurrency` folders at a time. */
async function listAll (vault: Vault, concurrency: number): Promise<{ ms: number, clusters: number, archives: number }> {
  const t0 = performance.now()
  const folders = await vault.folders()
  let next = 0
  let archives = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < folders.length) {
      const n = (await vault.list(folders[next++]!)).archives.length
      archives += n
    }
  }))
  return { ms: performance.now() - t0, clusters: folders.length, archives }
}
async function timeListing (vault: Vault, concurrency: number): Promise<string> {
  const runs = []
  for (let i = 0; i < 3; i++) runs.push(await listAll(vault, concurrency))
  const bad = runs.find(r => r.clusters !== shape.clusters || r.archives < total)
  if (bad !== undefined) throw new Error(`listing ${vault.spec.id}: ${bad.clusters} clusters, ${bad.archives} archives; expected ${shape.clusters} and ${total}`)
  return `${fmt(runs[0]!.ms)} / ${fmt(pct(runs.map(r => r.ms), 0.5))}`
}

/** The quarter's rows of a CSV report (product, metric, peak, peak_date) against the known answer. */
function csvKnown (csv: string, fromDay: number): boolean {
  const known = knownPeaks(shape, fromDay, today)
  const rows = csv.trim().split('\r\n').slice(1).map(l => l.split(','))
  const day = (d: number): string => new Date(d * DAY_MS).toISOString().slice(0, 10)
  return rows.length === shape.products && rows.every(r => {
    const k = known.get(`${r[0]}\0${r[2]}`)
    return k !== undefined && String(k.peak) === r[3] && day(k.day) === r[4]
  })
}

interface Running { proc: ChildProcess, url: string, stderr: () => string }
async function startExporter (config: string, indexFile: string): Promise<Running> {
  const port = await freePort()
  const proc = track(spawn(process.execPath, [...image.flags, join(ROOT, 'dist', 'main.js'), `--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, `--evidence.index-path=${indexFile}`, '--log.level=warn'],
    { cwd: ROOT, detached: true, env: { ...process.env, ...image.env, TMPDIR: tmp }, stdio: ['ignore', 'ignore', 'pipe'] }))
  const stderr = tail(proc.stderr)
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 400; i++) {
    if (proc.exitCode !== null) break
    if (await fetch(`${url}/healthz`).then(r => r.ok, () => false)) return { proc, url, stderr }
    await sleep(50)
  }
  throw new Error(`the exporter did not start:\n${stderr()}`)
}

/** Scrape until `expected` archives are read (failing when the exporter exits, or after 15 minutes). */
function indexedBy (r: Running, expected: number): Promise<Indexed> {
  return untilIndexed(r.url, r.proc.pid!, expected, {
    check: () => { if (r.proc.exitCode !== null) throw new Error(`the exporter exited (${r.proc.exitCode}):\n${r.stderr()}`) },
    progress: (done, ms) => print(`  ... ${done} of ${expected} read (${fmt(ms)})`),
    limitMs: 15 * 60_000,
  })
}

async function stop (r: Running): Promise<number> {
  const t0 = performance.now()
  const exited = new Promise(resolve => r.proc.once('exit', resolve))
  r.proc.kill('SIGTERM')
  await exited
  return performance.now() - t0
}

/** Built dist/ older than any source (or no build): build. */
function buildIfStale (): void {
  const main = join(ROOT, 'dist', 'main.js')
  const built = existsSync(main) ? statSync(main).mtimeMs : 0
  const newest = (folder: string): number => readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter(e => e.isFile() && e.name.endsWith('.ts')).reduce((m, e) => Math.max(m, statSync(join(e.parentPath, e.name)).mtimeMs), 0)
  const sources = Math.max(newest(join(ROOT, 'src')), ...['package.json', 'tsconfig.json', 'tsconfig.build.json'].map(f => statSync(join(ROOT, f)).mtimeMs))
  if (sources <= built) return
  print('dist/ is older than src/: npm run build')
  const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' })
  if (b.status !== 0) throw new Error(`npm run build failed:\n${b.stdout}${b.stderr}`)
}

const image = imageRuntime(ROOT)
const tmp = join(dir, 'tmp')
const rows: Array<[string, string]> = []
const loadAtStart = loadavg()[0]!.toFixed(2)
let failed = false
try {
  print(`moto ${motoVersion()}`)
  mkdirSync(tmp)
  buildIfStale()
  const moto = await startMoto()
  const keys = join(dir, 'keys')
  mkdirSync(keys)
  writeFileSync(join(keys, 'id'), 'AKIAMOTOBENCHKEY0001\n')
  writeFileSync(join(keys, 'secret'), 'moto-bench-secret-key-000000000000000000\n')
  const client = new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'AKIAMOTOBENCHKEY0001', secretAccessKey: 'moto-bench-secret-key-000000000000000000' } })
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }))
  client.destroy()
  const store = { type: 's3' as const, bucket: BUCKET, prefix: PREFIX, endpoint: moto.endpoint, force_path_style: true, region: 'us-east-1', access_key_id_file: join(keys, 'id'), secret_access_key_file: join(keys, 'secret') }

  // 0. The vault, generated in worker threads (scripts/bench-vault.ts).
  const vault = join(dir, 'vault')
  print(`vault: ${shape.clusters} clusters x ${shape.archives} daily archives of ${shape.days} days x ${shape.products} products = ${total} archives`)
  let t0 = performance.now()
  const workers = Math.max(1, Math.min(shape.clusters, availableParallelism()))
  const per = Math.ceil(shape.clusters / workers)
  await Promise.all(Array.from({ length: workers }, (_, i) => new Promise<void>((resolve, reject) => {
    const w = new Worker(new URL('./bench-vault.ts', import.meta.url), { workerData: { dir: vault, shape, from: i * per, to: Math.min(shape.clusters, (i + 1) * per) } })
    w.once('message', () => resolve())
    w.once('error', reject)
  })))
  const mib = Number(spawnSync('du', ['-sb', vault], { encoding: 'utf8' }).stdout.split('\t')[0]) / 2 ** 20
  print(`  generated in ${fmt(performance.now() - t0)}: ${mib.toFixed(1)} MiB`)
  rows.push(['vault', `${shape.clusters} clusters x ${shape.archives} daily archives = ${total} archives, ${mib.toFixed(1)} MiB`])

  const configOf = (file: string, snapshot: string): string => {
    writeFileSync(file, ['global: { interval: 1h, timeout: 1s }', 'clusters:', ...Array.from({ length: shape.clusters }, (_, c) =>
      `  - { name: ${clusterName(c)}, type: ibm_license_service, url: "http://127.0.0.1:9/${clusterName(c)}", token: bench, snapshot: ${snapshot} }`)].join('\n') + '\n')
    return file
  }
  const bucketConfig = configOf(join(dir, 'bucket.yaml'), `{ directory: ${join(dir, 'spool')}, interval: 30d, store: ${JSON.stringify(store)} }`)
  const localConfig = configOf(join(dir, 'local.yaml'), `{ directory: ${vault}, interval: 30d }`)

  // 1. Upload.
  print('upload: --snapshot.migrate')
  let before = mark()
  const up = await mustRun('--snapshot.migrate', [`--config.file=${bucketConfig}`, `--snapshot.migrate=${vault}`, '--log.level=warn'])
  const migrated = JSON.parse(up.stdout) as { created: number, verified: number }
  if (migrated.created !== total || migrated.verified !== total) throw new Error(`--snapshot.migrate: ${JSON.stringify(migrated)}; expected ${total} created and verified`)
  rows.push(['upload: `--snapshot.migrate` (each object created, read back, hashed)', `${fmt(up.ms)} (${(total / (up.ms / 1000)).toFixed(0)} archives/s, ${(mib / (up.ms / 1000)).toFixed(2)} MiB/s; peak RSS ${up.peakMb.toFixed(0)} MB; S3 requests: ${requestsSince(before)})`])

  // 2. Listing, in this process, through the exporter's vault classes.
  print('listing')
  const bucket = openVault(bucketVault(s3StoreSchema.parse(store), join(dir, 'spool')))
  const local = openVault(directoryVault(vault))
  before = mark()
  rows.push([`list the bucket: ${shape.clusters} cluster folders and their archives, one at a time: first / median of 3`, await timeListing(bucket, 1)])
  await sleep(200)
  rows.push(['S3 requests of one listing', requestsSince(before, 3)])
  rows.push(['list the bucket, 5 folders at a time (as the index does): first / median of 3', await timeListing(bucket, 5)])
  rows.push(['list the local folder, one at a time: first / median of 3', await timeListing(local, 1)])

  // 3. The offline report of the quarter: from the bucket with no index, and from the local folder.
  print('offline reports')
  const quarterStart = ((): number => { const d = new Date(today * DAY_MS); return Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3, 1) / DAY_MS })()
  mkdirSync(join(dir, 'empty-index'))
  const storeUrl = `s3://${BUCKET}/${PREFIX}?endpoint=${encodeURIComponent(moto.endpoint)}&path_style=true`
  before = mark()
  const fromBucket = await mustRun('--report --report.offline --snapshot.store', [`--config.file=${bucketConfig}`, '--report', '--report.offline', `--snapshot.store=${storeUrl}`, `--evidence.index-path=${join(dir, 'empty-index', 'index.sqlite')}`, '--log.level=warn'])
  const reportRequests = requestsSince(before)
  const fromLocal = await mustRun('--report --report.offline (local folder)', [`--config.file=${localConfig}`, '--report', '--report.offline', `--evidence.index-path=${join(dir, 'empty-index', 'index.sqlite')}`, '--log.level=warn'])
  const days = today - quarterStart + 1
  rows.push([`\`--report --report.offline --snapshot.store=s3://...\` (quarter, ${days} days), no index`, `${fmt(fromBucket.ms)} (peak RSS ${fromBucket.peakMb.toFixed(0)} MB; S3 requests: ${reportRequests})`])
  rows.push(['the same from the local folder (`--report.offline`), no index', `${fmt(fromLocal.ms)} (peak RSS ${fromLocal.peakMb.toFixed(0)} MB)`])
  if (fromBucket.stdout !== fromLocal.stdout) {
    const [a, b] = [fromBucket.stdout.split('\r\n'), fromLocal.stdout.split('\r\n')]
    const i = a.findIndex((line, n) => line !== b[n])
    throw new Error(`the report from the bucket differs from the report from the local folder: line ${i + 1}\n  bucket: ${a[i]?.slice(0, 300)}\n  local:  ${b[i]?.slice(0, 300)}`)
  }
  const known = csvKnown(fromLocal.stdout, quarterStart)
  print('  equal')
  rows.push(['bucket report vs local report', `equal (${fromLocal.stdout.length} bytes of CSV; ${known ? 'equal to the known answer' : 'BOTH DIFFERENT FROM THE KNOWN ANSWER'})`])
  if (!known) throw new Error(`the offline report is not the known answer:\n${fromLocal.stdout}`)

  // 4. The exporter on the bucket: cold, then warm.
  print('exporter: cold')
  const indexFile = join(dir, 'exporter', 'index.sqlite')
  mkdirSync(join(dir, 'exporter'))
  before = mark()
  t0 = performance.now()
  let r = await startExporter(bucketConfig, indexFile)
  const listening = performance.now() - t0
  let cpu0 = cpuSeconds(r.proc.pid!)
  const cold = await indexedBy(r, total)
  const coldRequests = requestsSince(before)
  rows.push(['exporter, cold (no index): listening', fmt(listening)])
  rows.push(['exporter, cold: then every archive read from the bucket', `${fmt(cold.ms)} (${(total / (cold.ms / 1000)).toFixed(0)} archives/s, CPU ${(cpuSeconds(r.proc.pid!) - cpu0).toFixed(1)} s; S3 requests from the start: ${coldRequests})`])
  rows.push(['RSS during the cold read: median / peak', `${cold.rssMedian.toFixed(0)} / ${procStatus(r.proc.pid!, 'VmHWM').toFixed(0)} MB`])
  rows.push(['`/metrics` during the cold read: p50 / p99 / max', `${pct(cold.latencies, 0.5).toFixed(1)} / ${pct(cold.latencies, 0.99).toFixed(1)} / ${Math.max(...cold.latencies).toFixed(1)} ms (${cold.latencies.length} scrapes; over 100 ms: ${cold.slowest})`])
  t0 = performance.now()
  const api = await fetch(`${r.url}/api/v1/report?format=csv`).then(res => res.text())
  const apiMs = performance.now() - t0
  rows.push(['`/api/v1/report` (quarter to date)', `${fmt(apiMs)}; ${api === fromLocal.stdout ? 'equal to the offline reports' : csvKnown(api, quarterStart) ? 'equal to the known answer (CSV not byte-equal to the offline one)' : 'DIFFERENT FROM THE KNOWN ANSWER'}`])
  await sleep(5000)
  rows.push(['RSS 5 s later', `${procStatus(r.proc.pid!, 'VmRSS').toFixed(0)} MB`])
  rows.push(['shutdown', fmt(await stop(r))])

  // One archive more, older than the others (the known answer of the quarter stays), as another replica would
  // upload it: the warm start is in step once the whole bucket was listed and that archive read.
  const extraDir = join(dir, 'extra')
  const last = shape.clusters - 1
  writeClusters({ dir: extraDir, shape: { ...shape, archives: 1, lastDay: shape.lastDay - shape.archives }, from: last, to: last + 1 })
  const body = readFileSync(join(extraDir, clusterName(last), archiveName((shape.lastDay - shape.archives) * DAY_MS + 3_600_000)))
  await bucket.put(clusterName(last), archiveName((shape.lastDay - shape.archives) * DAY_MS + 3_600_000, createHash('sha256').update(body).digest('hex')), body, {})
  await sleep(300) // moto's log line of that PUT, before the warm start's requests are counted

  print('exporter: warm')
  before = mark()
  t0 = performance.now()
  r = await startExporter(bucketConfig, indexFile)
  cpu0 = cpuSeconds(r.proc.pid!)
  await indexedBy(r, total + 1)
  rows.push(['warm start (index present, one archive more in the bucket): listening, bucket listed, index in step', `${fmt(performance.now() - t0)} (CPU ${(cpuSeconds(r.proc.pid!) - cpu0).toFixed(1)} s after listening; S3 requests: ${requestsSince(before)})`])
  await sleep(5000)
  rows.push(['RSS 5 s after the warm start', `${procStatus(r.proc.pid!, 'VmRSS').toFixed(0)} MB (peak ${procStatus(r.proc.pid!, 'VmHWM').toFixed(0)} MB)`])
  await stop(r)

  print(`\nnode ${process.version}, ${availableParallelism()} cores, load average ${loadAtStart} at the start, ${loadavg()[0]!.toFixed(2)} at the end; moto's S3 server on loopback; exporter and command line: node ${image.flags.join(' ')} dist/main.js\n`)
  print('| figure | value |\n|---|---|')
  for (const [k, v] of rows) print(`| ${k} | ${v} |`)
} catch (err) {
  failed = true
  process.stderr.write(`\nbench:bucket failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  if (rows.length > 0) process.stderr.write(`figures so far:\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}\n`)
} finally {
  cleanUp()
}
// The S3 client of the listing keeps sockets open: end here.
process.exit(failed ? 1 : 0)
