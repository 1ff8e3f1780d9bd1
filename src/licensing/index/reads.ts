/** What the index tells retention and the metrics. Synchronous: run as tasks of the engine's queue. */
import type { RetainedArchive } from '../../archive/retention.js'
import { dayOfNumber } from '../period.js'
import type { IndexEngine } from './engine.js'
import type { IndexStats } from './protocol.js'

const DAY_MS = 86_400_000

/** Every indexed archive of a cluster's folder in a vault (by its id) as retention needs it (archives not read yet are not listed). */
export function retentionOf (engine: IndexEngine, vault: string, cluster: string): RetainedArchive[] {
  const id = engine.store.clusterId(vault, cluster, false)
  if (id === undefined) return []
  const lastWon = engine.store.lastWonDays(id)
  return engine.store.archives(id).map(a => {
    const won = lastWon.get(a.id)
    return { name: a.name, takenMs: a.taken_ms, state: a.state, lastWonDay: won === undefined ? undefined : dayOfNumber(won), dataEndMs: a.last_day === null ? undefined : (a.last_day + 1) * DAY_MS }
  })
}

/** Counts of the index. */
export function statsOf (engine: IndexEngine, location: string, read: number): IndexStats {
  const db = engine.store.db
  const archives = { good: 0, refused: 0, quarantined: 0, pending: engine.pending }
  for (const r of db.prepare('SELECT state, COUNT(*) AS n FROM archives GROUP BY state').all() as Array<{ state: keyof typeof archives, n: number }>) archives[r.state] = r.n
  const refused = db.prepare(`SELECT c.directory AS vault, c.name AS cluster, COALESCE(a.reason, a.state) AS reason, COUNT(*) AS count
    FROM archives a JOIN clusters c ON c.id = a.cluster WHERE a.state != 'good' GROUP BY c.directory, c.name, 2`).all() as IndexStats['refused']
  const split = (k: string): [string, string] => { const i = k.indexOf('\0'); return [k.slice(0, i), k.slice(i + 1)] }
  for (const [k, files] of engine.refusedFiles) {
    const [vault, cluster] = split(k)
    const by = new Map<string, number>()
    for (const f of files) by.set(f.reason, (by.get(f.reason) ?? 0) + 1)
    for (const [reason, count] of by) refused.push({ vault, cluster, reason, count })
  }
  for (const [k, e] of engine.listErrors) {
    const [vault, cluster] = split(k)
    refused.push({ vault, cluster, reason: e.reason, count: 1 })
  }
  return { location, archives, refused, orphans: engine.orphans, read }
}
