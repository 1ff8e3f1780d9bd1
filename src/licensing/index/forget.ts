/**
 * An indexed archive that went away (deleted, changed under its name, set aside by the clock): its rows leave
 * the index, and each day it was the source of goes to the next newest good archive that covers it, read
 * again for those days only. One transaction: a report never sees the days half moved.
 */
import { coversDay, hashArchive, rereadDays, type IngestOptions, type IngestTarget } from './ingest.js'
import type { ArchiveRow, IndexStore } from './store.js'

/** Drop an archive from the index and give its days to the next newest archives. */
export async function forgetArchive (store: IndexStore, row: ArchiveRow, t: IngestTarget, opts: IngestOptions): Promise<void> {
  await store.transaction(async () => {
    const won = store.daysWonBy(row.id)
    for (const d of won) store.releaseDay(t.cluster, d)
    store.deleteArchive(row.id)
    const remaining = new Set(won)
    if (remaining.size === 0) return
    for (const c of store.candidates(t.cluster, won[0]!, won.at(-1)!)) {
      const mine = new Set([...remaining].filter(d => coversDay(c, d)))
      if (mine.size === 0) continue
      const claimed = await rereadDays(store, { ...t, name: c.name, takenMs: c.taken_ms }, c, mine, opts)
      for (const d of claimed) remaining.delete(d)
      if (remaining.size === 0) break
    }
  })
}

/** A changed file whose hash is the one indexed (a touch, a copy with the same bytes): only its size, mtime and inode are updated. */
export async function sameContent (store: IndexStore, row: ArchiveRow, t: IngestTarget, opts: IngestOptions): Promise<boolean> {
  if (row.sha256 === null || row.state === 'quarantined') return false
  const now = await hashArchive(t, opts.maxArchiveBytes).catch(() => undefined)
  if (now === undefined || now.sha256 !== row.sha256) return false
  store.touch(row.id, now.size, now.mtimeMs, now.ino)
  return true
}
