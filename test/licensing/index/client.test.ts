/**
 * The index worker seen from the exporter's thread: a worker that dies in the middle of a backlog is
 * restarted at the next request, the archive it was reading is refused (not read again to kill the next one),
 * and the vault is listed again, so reports say what is still pending instead of reporting gaps.
 */
import { basename, join } from 'node:path'
import { Worker } from 'node:worker_threads'
import t from 'tap'
import { EvidenceIndex } from '../../../src/licensing/index/client.js'
import { createLogger } from '../../../src/util/logger.js'
import { LogCapture, tempDir } from '../../helpers.js'
import { at, writeSnapshot, type Row } from '../../fixtures/vault.js'
import { directoryVault } from '../../../src/archive/store.js'

t.test('a worker that dies mid-backlog: restarted, the archive it was reading refused, the backlog listed again', async t => {
  const vault = tempDir('license-exporter-test-', t)
  const day = (n: number): string => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString().slice(0, 10)
  for (let d = 0; d < 600; d++) writeSnapshot(vault, 'a', at(day(d), 12), { rows: [[day(d), 1 + d]] })
  // One archive in the middle of the backlog is slow to read (300 days x 1,000 products): the worker is
  // ended while it reads that one, as a crash (out of memory, a fault) would end it.
  const big: Row[] = []
  for (let d = 0; d <= 300; d++) for (let p = 0; p < 1000; p++) big.push([day(d), 1, `Product ${p}`, `p${p}`])
  const bigName = basename(writeSnapshot(vault, 'a', at(day(300), 18), { rows: big }))
  let worker: Worker | undefined
  const post = Worker.prototype.postMessage
  Worker.prototype.postMessage = function (this: Worker, ...a: Parameters<Worker['postMessage']>) { worker = this; return post.apply(this, a) }
  t.teardown(() => { Worker.prototype.postMessage = post })
  const logs = new LogCapture()
  const index = new EvidenceIndex({ location: join(vault, '.index.sqlite'), log: createLogger('info', logs) })
  t.teardown(() => index.close())
  const now = Date.UTC(2027, 0, 1)
  const readingBig = new Promise<void>(resolve => {
    const watch = (): void => {
      if (worker === undefined) { setTimeout(watch, 1); return }
      worker.on('message', (m: { event?: string, archive?: { name?: string } }) => { if (m.event === 'reading' && m.archive?.name === bigName) resolve() })
    }
    watch()
  })
  // The worker is unref'd: something must keep the test's event loop alive while it waits.
  const alive = setInterval(() => undefined, 1000)
  t.teardown(() => clearInterval(alive))
  const synced = index.sync([{ vault: directoryVault(vault), clusters: ['a'] }], now)
  await readingBig
  const idle = index.idle().catch((err: Error) => err.message)
  await worker!.terminate()
  await synced.catch(() => undefined)
  t.match(await idle, /the evidence index worker stopped/, 'a request in flight fails with a reason, it does not hang')
  const q = { window: { from: day(0), to: day(599) }, clusters: [{ name: 'a', vault, current: [] }], entitlements: [] }
  const after = await index.report(q)
  t.ok(after.pending > 0, `the backlog is listed again: ${after.pending} pending`)
  t.equal(after.report.complete, false)
  t.match(logs.text, /an archive stopped the evidence index while it was read: recorded as refused \(crashed\)/)
  await index.idle()
  const stats = await index.stats()
  t.same([stats.archives.good + stats.archives.refused, stats.archives.refused, stats.archives.pending], [601, 1, 0], 'every archive has a verdict; the one being read is refused')
  t.match((await index.report(q)).problems, [{ reason: 'crashed' }])
})
