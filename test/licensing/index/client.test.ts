/**
 * The index worker seen from the exporter's thread: a worker that dies in the middle of a backlog is
 * restarted at the next request, the archive it was reading is refused (not read again to kill the next one),
 * and the vault is listed again, so reports say what is still pending instead of reporting gaps.
 */
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import t from 'tap'
import { EvidenceIndex } from '../../../src/licensing/index/client.js'
import { createLogger } from '../../../src/util/logger.js'
import { LogCapture, tempDir } from '../../helpers.js'
import { at, writeSnapshot } from '../../fixtures/vault.js'
import { directoryVault } from '../../../src/archive/store.js'

t.test('a worker that dies mid-backlog: restarted, the archive it was reading refused, the backlog listed again', async t => {
  const vault = tempDir('license-exporter-test-', t)
  const day = (n: number): string => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000).toISOString().slice(0, 10)
  for (let d = 0; d < 600; d++) writeSnapshot(vault, 'a', at(day(d), 12), { rows: [[day(d), 1 + d]] })
  // The test holds the worker to end it as a crash would (out of memory, a fault).
  let worker: Worker | undefined
  const post = Worker.prototype.postMessage
  Worker.prototype.postMessage = function (this: Worker, ...a: Parameters<Worker['postMessage']>) { worker = this; return post.apply(this, a) }
  t.teardown(() => { Worker.prototype.postMessage = post })
  const logs = new LogCapture()
  const index = new EvidenceIndex({ location: join(vault, '.index.sqlite'), log: createLogger('info', logs) })
  t.teardown(() => index.close())
  const now = Date.UTC(2027, 0, 1)
  await index.sync([{ vault: directoryVault(vault), clusters: ['a'] }], now)
  let reading = ''
  for (let i = 0; i < 200 && reading === ''; i++) {
    await new Promise(resolve => setTimeout(resolve, 20))
    reading = /"file":"([^"]+)"/.exec(logs.text)?.[1] ?? ''
    if ((await index.stats()).archives.good > 20) break
  }
  const idle = index.idle().catch((err: Error) => err.message)
  await worker!.terminate()
  t.match(await idle, /the evidence index worker stopped/, 'a request in flight fails with a reason, it does not hang')
  const q = { window: { from: day(0), to: day(599) }, clusters: [{ name: 'a', vault, current: [] }], entitlements: [] }
  const after = await index.report(q)
  t.ok(after.pending > 0, `the backlog is listed again: ${after.pending} pending`)
  t.equal(after.report.complete, false)
  t.match(logs.text, /an archive stopped the evidence index while it was read: recorded as refused \(crashed\)/)
  await index.idle()
  const stats = await index.stats()
  t.same([stats.archives.good + stats.archives.refused, stats.archives.refused, stats.archives.pending], [600, 1, 0], 'every archive has a verdict; the one being read is refused')
  t.match((await index.report(q)).problems, [{ reason: 'crashed' }])
})
