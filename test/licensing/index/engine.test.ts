/**
 * The evidence index's engine, in this thread (the worker runs the same code): newest archive wins per day
 * whatever the order archives arrive in, days go back to the next newest archive when one disappears, a
 * touched file is not read again but a changed one is, the clock quarantines and releases, and the file is
 * rebuilt when it cannot be trusted.
 */
import { existsSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { IndexEngine } from '../../../src/licensing/index/engine.js'
import { queryReport, type IndexReport } from '../../../src/licensing/index/query.js'
import { openIndex, SCHEMA_VERSION } from '../../../src/licensing/index/schema.js'
import { IndexStore } from '../../../src/licensing/index/store.js'
import { tempDir, type Teardown } from '../../helpers.js'
import { DAY, at, writeSnapshot } from '../../fixtures/vault.js'
import { directoryVault } from '../../../src/archive/store.js'

const NOW = Date.UTC(2026, 5, 30, 12)

function engineAt (t: Teardown, location = ':memory:'): IndexEngine {
  const { db } = openIndex(location)
  t.teardown(() => db.close())
  return new IndexEngine(new IndexStore(db), { log: () => undefined, maxArchiveBytes: 2 ** 30 })
}

async function settle (e: IndexEngine, vault: string, clusters: string[], nowMs = NOW): Promise<void> {
  await e.sync([{ vault: directoryVault(vault), clusters }], nowMs)
  await e.idle()
}

function report (e: IndexEngine, vault: string, from: string, to: string, clusters = ['a']): Promise<IndexReport> {
  return e.queue.push(0, () => queryReport(e, { window: { from, to }, clusters: clusters.map(name => ({ name, vault, current: [] })), entitlements: [] }))
}

const daily = (r: IndexReport): Array<[string | null, number | null]> => r.report.rows.map(x => [x.peak_date, x.peak])

t.test('newest archive wins per day, whatever order the archives are read in', async t => {
  for (const order of ['older first', 'newer first']) {
    const vault = tempDir('license-exporter-test-', t)
    const e = engineAt(t)
    const older = (): string => writeSnapshot(vault, 'a', at('2026-06-03'), { rows: [['2026-06-01', 9], ['2026-06-02', 9], ['2026-06-03', 1]] })
    const newer = (): string => writeSnapshot(vault, 'a', at('2026-06-04'), { rows: [['2026-06-02', 2], ['2026-06-03', 3]] })
    if (order === 'older first') { older(); await settle(e, vault, ['a']); newer() } else { newer(); await settle(e, vault, ['a']); older() }
    await settle(e, vault, ['a'])
    const r = await report(e, vault, '2026-06-01', '2026-06-03')
    t.same(daily(r), [['2026-06-01', 9]], `${order}: day 1 only in the older archive, days 2 and 3 from the newer`)
    const parts = r.report.rows[0]!.clusters[0]!
    t.same([parts.peak, parts.peak_date], [9, '2026-06-01'])
    const r2 = await report(e, vault, '2026-06-02', '2026-06-03')
    t.same(daily(r2), [['2026-06-03', 3]], `${order}: 2 and 3, not 9 and 1`)
  }
})

t.test('a removed archive gives its days back to the next newest archive that covers them', async t => {
  const vault = tempDir('license-exporter-test-', t)
  const e = engineAt(t)
  writeSnapshot(vault, 'a', at('2026-06-02'), { rows: [['2026-06-01', 5], ['2026-06-02', 5]] })
  const mid = writeSnapshot(vault, 'a', at('2026-06-03'), { rows: [['2026-06-01', 7], ['2026-06-02', 7], ['2026-06-03', 7]] })
  const newest = writeSnapshot(vault, 'a', at('2026-06-04'), { rows: [['2026-06-02', 8], ['2026-06-03', 8], ['2026-06-04', 8]] })
  await settle(e, vault, ['a'])
  t.same(daily(await report(e, vault, '2026-06-01', '2026-06-01')), [['2026-06-01', 7]])
  unlinkSync(newest)
  await settle(e, vault, ['a'])
  t.same(daily(await report(e, vault, '2026-06-02', '2026-06-03')), [['2026-06-02', 7]], 'days 2 and 3 go back to the middle archive')
  const four = await report(e, vault, '2026-06-04', '2026-06-04')
  t.same([four.report.complete, four.report.clusters[0]!.missing], [false, ['2026-06-04']], 'day 4 had no other source: missing, not 0')
  unlinkSync(mid)
  await settle(e, vault, ['a'])
  t.same(daily(await report(e, vault, '2026-06-01', '2026-06-03')), [['2026-06-01', 5]], 'and on to the oldest')
  t.same((await report(e, vault, '2026-06-01', '2026-06-03')).report.clusters[0]!.missing, ['2026-06-03'])
})

t.test('a newer archive removed while an older one is touched: its days go to the older one', async t => {
  const vault = tempDir('license-exporter-test-', t)
  const e = engineAt(t)
  writeSnapshot(vault, 'a', at('2026-06-02'), { rows: [['2026-06-01', 1], ['2026-06-02', 1]] })
  const older = writeSnapshot(vault, 'a', at('2026-06-03'), { rows: [['2026-06-01', 5], ['2026-06-02', 5], ['2026-06-03', 5]] })
  const newer = writeSnapshot(vault, 'a', at('2026-06-04'), { rows: [['2026-06-02', 8], ['2026-06-03', 8]] })
  await settle(e, vault, ['a'])
  unlinkSync(newer)
  utimesSync(older, new Date(NOW), new Date(NOW)) // a restore or rsync: the same bytes, a new mtime
  await settle(e, vault, ['a'])
  const r = await report(e, vault, '2026-06-01', '2026-06-03')
  t.same([daily(r), r.report.complete], [[['2026-06-01', 5]], true], 'days 2 and 3 from the touched archive (5), not the oldest (1), none missing')
})

t.test('a touched archive is not read again; one changed under its name is', async t => {
  const vault = tempDir('license-exporter-test-', t)
  const e = engineAt(t)
  const file = writeSnapshot(vault, 'a', at('2026-06-02'), { rows: [['2026-06-01', 5]] })
  await settle(e, vault, ['a'])
  const read = e.read
  utimesSync(file, new Date(NOW), new Date(NOW))
  await settle(e, vault, ['a'])
  t.equal(e.read, read, 'same hash: only its mtime is updated')
  writeSnapshot(vault, 'a', at('2026-06-02'), { rows: [['2026-06-01', 6]] })
  await settle(e, vault, ['a'])
  t.equal(e.read, read + 1)
  t.same(daily(await report(e, vault, '2026-06-01', '2026-06-01')), [['2026-06-01', 6]])
})

t.test('the clock: an archive dated after it is quarantined, then used once the clock passes it; a used one dated after a clock that went back is set aside', async t => {
  const vault = tempDir('license-exporter-test-', t)
  const e = engineAt(t)
  writeSnapshot(vault, 'a', at('2026-06-02'), { rows: [['2026-06-01', 5]] })
  writeSnapshot(vault, 'a', at('2026-08-01'), { rows: [['2026-06-01', 50]] })
  await settle(e, vault, ['a'])
  const before = await report(e, vault, '2026-06-01', '2026-06-01')
  t.same(daily(before), [['2026-06-01', 5]], 'the archive dated a month ahead is not the source')
  t.match(before.problems, [{ reason: 'future', message: /after the clock/ }])
  await settle(e, vault, ['a'], at('2026-08-02'))
  t.same(daily(await report(e, vault, '2026-06-01', '2026-06-01')), [['2026-06-01', 50]], 'the clock passed it: used')
  await settle(e, vault, ['a'], NOW)
  t.same(daily(await report(e, vault, '2026-06-01', '2026-06-01')), [['2026-06-01', 5]], 'the clock went back: set aside again')
})

t.test('archives still to read make the report incomplete', async t => {
  const vault = tempDir('license-exporter-test-', t)
  const e = engineAt(t)
  for (let d = 1; d <= 28; d++) writeSnapshot(vault, 'a', at('2026-06-01') + d * DAY, { rows: [['2026-06-01', d]] })
  await e.sync([{ vault: directoryVault(vault), clusters: ['a'] }], NOW)
  const early = await report(e, vault, '2026-06-01', '2026-06-01')
  t.ok(early.pending > 0, `${early.pending} pending`)
  t.equal(early.report.complete, false)
  await e.idle()
  const late = await report(e, vault, '2026-06-01', '2026-06-01')
  t.same([late.pending, late.report.complete, daily(late)], [0, true, [['2026-06-01', 28]]], 'the newest of the 28 wins')
})

t.test('the index file: kept across restarts, rebuilt when deleted, corrupt or of another schema version', async t => {
  const dir = tempDir('license-exporter-test-', t)
  const vault = join(dir, 'vault')
  const file = join(dir, 'index.sqlite')
  writeSnapshot(vault, 'a', at('2026-06-02'), { rows: [['2026-06-01', 5]] })
  const first = openIndex(file)
  t.equal(first.rebuilt, 'new')
  const e1 = new IndexEngine(new IndexStore(first.db), { log: () => undefined, maxArchiveBytes: 2 ** 30 })
  await settle(e1, vault, ['a'])
  first.db.close()

  const again = openIndex(file)
  t.equal(again.rebuilt, undefined, 'a good index is used as it is')
  const e2 = new IndexEngine(new IndexStore(again.db), { log: () => undefined, maxArchiveBytes: 2 ** 30 })
  await settle(e2, vault, ['a'])
  t.equal(e2.read, 0, 'nothing read again')
  t.same(daily(await report(e2, vault, '2026-06-01', '2026-06-01')), [['2026-06-01', 5]])
  again.db.exec(`UPDATE meta SET value = '${SCHEMA_VERSION + 1}' WHERE key = 'schema_version'`)
  again.db.close()

  const other = openIndex(file)
  t.match(other.rebuilt, /schema version/)
  other.db.close()
  writeFileSync(file, Buffer.alloc(8192, 0x41))
  for (const f of [`${file}-wal`, `${file}-shm`]) rmSync(f, { force: true })
  const corrupt = openIndex(file)
  t.match(corrupt.rebuilt, /corrupt|unreadable/)
  const e3 = new IndexEngine(new IndexStore(corrupt.db), { log: () => undefined, maxArchiveBytes: 2 ** 30 })
  await settle(e3, vault, ['a'])
  t.same(daily(await report(e3, vault, '2026-06-01', '2026-06-01')), [['2026-06-01', 5]], 'rebuilt from the archives')
  corrupt.db.close()
  t.ok(existsSync(join(vault, 'a')), 'the archives are untouched')

  // A folder that cannot be made (its parent is a file).
  const nowhere = openIndex(join(file, 'below-a-file', 'index.sqlite'))
  t.same([nowhere.location, /unwritable/.test(nowhere.rebuilt ?? '')], [':memory:', true], 'a place that cannot be written: kept in memory')
  nowhere.db.close()
})
