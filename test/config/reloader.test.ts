/**
 * Reloads never lose a change: a reload asked for while one runs gets a run of its own after it (the newest
 * content is applied, and both callers wait for it); the auto-reload watcher applies a file only once it is
 * the same on two reads, and a change written during a reload is applied at the next check.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { Reloader, textVersion } from '../../src/config/reloader.js'
import type { Config } from '../../src/config/schema.js'
import { watchConfig } from '../../src/config/watch.js'
import { FakeClock } from '../fixtures/fake-clock.js'
import { tempDir, waitFor } from '../helpers.js'

const cfg = (...names: string[]): string => `clusters:\n${names.map(n => `  - { name: ${n}, type: dynatrace_managed, url: "https://${n}.example", token: tok-${n}-123 }`).join('\n')}\n`
const names = (c: Config): string[] => c.clusters.map(x => x.name)

t.test('a reload asked for during a reload runs after it, with the newest content', async t => {
  const file = join(tempDir('license-exporter-test-', t), 'config.yaml')
  writeFileSync(file, cfg('a'))
  const applied: string[][] = []
  let second: Promise<string | undefined> | undefined
  const reloader = new Reloader({
    file, env: {},
    apply: c => {
      applied.push(names(c))
      if (second === undefined) {
        // While the first reload applies, the file changes and another reload is asked for.
        writeFileSync(file, cfg('a', 'b'))
        second = reloader.reload()
      }
    },
    refused: err => String(err),
  })
  await reloader.load()
  writeFileSync(file, cfg('a', 'x'))
  t.equal(await reloader.reload(), undefined)
  t.equal(await second, undefined)
  t.same(applied, [['a', 'x'], ['a', 'b']], 'the second request applied the content written during the first')
  t.equal(reloader.applied, textVersion(cfg('a', 'b')))
  // Three requests during one run: one more run, shared.
  let runs = 0
  const r = new Reloader({ file, env: {}, apply: () => { runs++ }, refused: err => String(err) })
  await r.load()
  const all = [r.reload(), r.reload(), r.reload(), r.reload()]
  await Promise.all(all)
  t.equal(runs, 2, 'the requests made while one ran were coalesced into one more run')
  writeFileSync(file, 'clusters: [ { name: bad } ]\n')
  t.match(await r.reload(), /clusters\[0\]/, 'a refused content: its problem')
  t.equal(r.seen, textVersion('clusters: [ { name: bad } ]\n'), 'seen, though not applied')
  t.equal(r.applied, textVersion(cfg('a', 'b')))
})

t.test('auto-reload: a file is applied when two reads agree; a change during a reload is applied next', async t => {
  const file = join(tempDir('license-exporter-test-', t), 'config.yaml')
  writeFileSync(file, cfg('a'))
  const clock = new FakeClock(Date.now())
  const reloads: string[] = []
  let during: string | undefined
  let seen = textVersion(cfg('a'))
  const stop = await watchConfig({
    configFile: file, intervalMs: 1000, clock, config: () => ({ global: {}, clusters: [] }) as unknown as Config, seen: () => seen,
    reload: async () => {
      const { readFileSync } = await import('node:fs')
      const text = readFileSync(file, 'utf8')
      reloads.push(text)
      seen = textVersion(text)
      if (during !== undefined) { writeFileSync(file, during); during = undefined }
      return undefined
    },
  })
  t.teardown(stop)
  const tick = async (ms: number): Promise<void> => { clock.advance(ms); await new Promise(resolve => setTimeout(resolve, 30)) }
  // Half written at the first read, whole at the second: not applied on this check.
  writeFileSync(file, 'clusters:\n  - { name: a, type: dyn')
  await tick(1000)
  writeFileSync(file, cfg('a', 'b'))
  await tick(500)
  t.same(reloads, [], 'the file changed between the two reads: not applied')
  await tick(1000)
  await tick(500)
  await waitFor(() => reloads.length === 1, 2000, 'the whole file applied')
  t.equal(reloads[0], cfg('a', 'b'))
  // A change written while a reload runs is applied at the next check, not marked seen.
  writeFileSync(file, cfg('a', 'b', 'c'))
  during = cfg('a', 'b', 'c', 'd')
  await tick(1000)
  await tick(500)
  await waitFor(() => reloads.length === 2, 2000, 'the third content applied')
  await tick(1000)
  await tick(500)
  await waitFor(() => reloads.length === 3, 2000, 'the content written during the reload applied')
  t.equal(reloads[2], cfg('a', 'b', 'c', 'd'))
  await tick(1000)
  await tick(500)
  t.equal(reloads.length, 3, 'nothing more')
})
