/**
 * The index worker thread: owns the SQLite connection and does every read of archives and every query, so
 * neither an ingest nor a two-year report ever holds the exporter's event loop (and `/metrics`). Started by
 * client.ts with {@link WorkerSettings} as `workerData`; answers {@link RequestMessage}s one at a time
 * through the engine's queue, pushes log lines and (at most once a second, when something changed) stats.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { getHeapStatistics } from 'node:v8'
import { openVault } from '../../archive/vaults.js'
import { exposedGc, HeapTrimmer } from '../../util/heap-trim.js'
import { IndexEngine, LANE, type IndexLog } from './engine.js'
import { recordCrash } from './ingest.js'
import type { RequestMessage, WorkerMessage, WorkerSettings } from './protocol.js'
import { queryReport } from './query.js'
import { retentionOf, statsOf } from './reads.js'
import { openIndex } from './schema.js'
import { IndexStore } from './store.js'

const port = parentPort
if (port === null) throw new Error('worker.ts runs as a worker thread')
const settings = workerData as WorkerSettings
const post = (m: WorkerMessage): void => port.postMessage(m)
const log: IndexLog = (level, msg, fields = {}) => post({ event: 'log', level, msg, fields })

const opened = openIndex(settings.location)
// Reading archives and computing reports make garbage by the gigabyte, and V8 keeps the pages it grew to: a
// memory-reducing GC (with node's --expose-gc, as the image runs) when this thread's heap grew by 8 MiB, every
// 500 archives of a backlog and whenever the queue runs dry, gives them back.
const trimmer = new HeapTrimmer({ gc: exposedGc(), growthBytes: 8 * 1024 * 1024, rss: () => getHeapStatistics().total_heap_size })
const engine = new IndexEngine(new IndexStore(opened.db), {
  log, maxArchiveBytes: settings.maxArchiveBytes, takenFromMs: settings.takenFromMs,
  onSettled: () => { trimmer.idle() },
  onReading: t => post({ event: 'reading', archive: t === undefined ? undefined : { vault: t.vault.spec, cluster: t.clusterName, name: t.name, takenMs: t.takenMs } }),
  ...(settings.limits !== undefined ? { limits: settings.limits } : {}),
})
post({ event: 'open', location: opened.location, rebuilt: opened.rebuilt })
const crashed = settings.crashed
if (crashed !== undefined) {
  // First in the queue, before the vault is listed again.
  void engine.queue.push(LANE.query, async () => {
    const cluster = engine.store.clusterId(crashed.vault.id, crashed.cluster)!
    await recordCrash(engine.store, { cluster, vault: openVault(crashed.vault), clusterName: crashed.cluster, name: crashed.name, takenMs: crashed.takenMs }, Date.now())
    log('error', 'an archive stopped the evidence index while it was read: recorded as refused (crashed), not read again', { cluster: crashed.cluster, file: crashed.name })
  })
}

let closing = false
port.on('message', (m: RequestMessage | { op: 'close' }) => {
  if (m.op === 'close') {
    closing = true
    engine.queue.clear()
    void engine.idle().then(() => { opened.db.close(); process.exit(0) })
    return
  }
  if (closing) return
  void answer(m).then(value => post({ id: m.id, ok: true, value }), (err: unknown) => post({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) }))
})

async function answer (m: RequestMessage): Promise<unknown> {
  switch (m.op) {
    case 'sync': return engine.sync(m.args.roots, m.args.nowMs, m.args.orphans)
    case 'archived': return engine.archived(m.args.vault, m.args.cluster, m.args.name, m.args.takenMs, m.args.nowMs)
    case 'idle': return engine.idle()
    case 'report': return engine.queue.push(LANE.query, () => queryReport(engine, m.args))
    case 'retention': return engine.queue.push(LANE.query, () => retentionOf(engine, m.args.vault, m.args.cluster))
    case 'stats': return engine.queue.push(LANE.query, () => statsOf(engine, opened.location, engine.read))
  }
}

// Stats for the metrics: at most once a second, when the tables or the queue changed.
let seen = ''
setInterval(() => {
  if (closing) return
  const now = `${engine.version}:${engine.pending}`
  if (now === seen) return
  seen = now
  void engine.queue.push(LANE.query, () => statsOf(engine, opened.location, engine.read)).then(stats => post({ event: 'stats', stats }))
}, 1000).unref()
