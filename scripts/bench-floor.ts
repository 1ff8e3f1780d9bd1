/**
 * The floor of `npm run bench -- --cold`: a bare undici client, in a process of its own, making the requests
 * the exporter makes (the same endpoints per cluster, read in parallel as the exporter reads them, the same
 * concurrency), each cluster on a new pool that is closed after it, and each body parsed with JSON.parse (or
 * read as text) and nothing more. What the exporter spends beyond this is its own cost.
 *
 * Driven over IPC by `scripts/bench.ts`: each `{ cmd: 'round' }` gets a {@link FloorRound}.
 * Usage (by the benchmark): node bench-floor.js JOB_JSON_FILE
 */
import { readFileSync } from 'node:fs'
import { Pool } from 'undici'

/** What the floor is told: the simulator, the clusters, the concurrency, and the CA (for HTTPS). */
export interface FloorJob {
  url: string
  clusters: Array<{ name: string, kind: 'dynatrace' | 'ibm', token: string }>
  concurrency: number
  caFile?: string
}

/** One round of the floor: wall and CPU time (user + system), clusters whose requests all succeeded, RSS after. */
export interface FloorRound { ms: number, cpuMs: number, ok: number, rss: number }

const jobFile = process.argv[2]
if (jobFile === undefined || process.send === undefined) {
  process.stderr.write('usage: node bench-floor.js JOB_JSON_FILE (with an IPC channel)\n')
  process.exit(2)
}
const job = JSON.parse(readFileSync(jobFile, 'utf8')) as FloorJob
const ca = job.caFile === undefined ? undefined : readFileSync(job.caFile)

/** The requests of one poll, as the sources make them: [path, headers]. */
function requestsOf (c: FloorJob['clusters'][number]): Array<[string, Record<string, string>]> {
  const json = { accept: 'application/json' }
  if (c.kind === 'dynatrace') {
    const auth = { ...json, authorization: `Api-Token ${c.token}` }
    return [['/api/cluster/v2/clusterLicense', auth], ['/api/cluster/v2/clusterLicense/environment/total', auth], ['/rest/health', { accept: 'text/plain, application/json' }]]
  }
  const q = `?token=${encodeURIComponent(c.token)}`
  return [[`/products${q}`, json], [`/bundled_products${q}`, json], [`/health${q}`, json], ['/version', json]]
}

async function pollOne (c: FloorJob['clusters'][number]): Promise<boolean> {
  const origin = new URL(job.url).origin
  const pool = new Pool(origin, { connections: 4, ...(ca !== undefined ? { connect: { ca } } : {}) })
  try {
    const results = await Promise.all(requestsOf(c).map(async ([path, headers]) => {
      const res = await pool.request({ method: 'GET', path: `/${c.name}${path}`, headers })
      const text = await res.body.text()
      if (res.statusCode !== 200) return false
      if (!path.startsWith('/rest/health')) JSON.parse(text)
      return true
    }))
    return results.every(Boolean)
  } catch {
    return false
  } finally {
    await pool.destroy()
  }
}

async function round (): Promise<FloorRound> {
  const cpu = process.cpuUsage()
  const t0 = performance.now()
  let next = 0
  let ok = 0
  const worker = async (): Promise<void> => {
    while (next < job.clusters.length) {
      const c = job.clusters[next++]
      if (c !== undefined && await pollOne(c)) ok++
    }
  }
  await Promise.all(Array.from({ length: Math.min(job.concurrency, job.clusters.length) }, worker))
  const ms = performance.now() - t0
  const used = process.cpuUsage(cpu)
  return { ms, cpuMs: (used.user + used.system) / 1000, ok, rss: process.memoryUsage.rss() }
}

process.on('message', (msg: { cmd: 'round' | 'exit' }) => {
  if (msg.cmd === 'exit') process.exit(0)
  void round().then(r => process.send?.(r))
})
process.send({ ready: true })
