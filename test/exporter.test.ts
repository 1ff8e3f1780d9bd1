import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { createExporter } from '../src/exporter.js'
import { createLogger } from '../src/util/logger.js'
import { tempDir } from './helpers.js'
import { startSimulator } from './simulator/server.js'

t.test('heap trimming is on when node exposes gc, unless turned off', async t => {
  const file = join(tempDir('license-exporter-test-', t), 'config.yaml')
  writeFileSync(file, 'clusters: []\n')
  const g = globalThis as { gc?: unknown }
  const saved = g.gc
  t.teardown(() => { if (saved === undefined) delete g.gc; else g.gc = saved })
  const build = async (heapTrim?: boolean): Promise<boolean> => {
    const exporter = await createExporter({ configFile: file, logger: createLogger('silent'), ...(heapTrim !== undefined ? { heapTrim } : {}) })
    await exporter.close()
    return exporter.heapTrimmer.enabled
  }
  delete g.gc
  t.equal(await build(), false, 'node without --expose-gc: off')
  g.gc = () => {}
  t.equal(await build(), true, 'with it: on')
  t.equal(await build(false), false, 'heapTrim: false')
})

t.test('when the polls go idle after RSS grew, the exporter runs the memory-reducing GC (unless heapTrim is false)', async t => {
  const sim = await startSimulator({ a: { kind: 'dynatrace', token: 'trim-token-0001' } })
  t.teardown(() => sim.close())
  const file = join(tempDir('license-exporter-test-', t), 'config.yaml')
  writeFileSync(file, `clusters:\n  - { name: a, type: dynatrace_managed, url: "${sim.baseUrl('a')}", token: trim-token-0001 }\n`)
  const g = globalThis as { gc?: unknown }
  const saved = g.gc
  t.teardown(() => { if (saved === undefined) delete g.gc; else g.gc = saved })
  for (const heapTrim of [true, false]) {
    const calls: unknown[] = []
    g.gc = (options: unknown) => { calls.push(options) }
    const exporter = await createExporter({ configFile: file, logger: createLogger('silent'), heapTrim })
    // 64 MiB written (so resident) after the trimmer took its baseline: more than the 32 MiB that set it off.
    const held = Buffer.alloc(64 * 1024 * 1024, 1)
    await exporter.poller.pollAllOnce()
    await new Promise(resolve => setImmediate(resolve))
    await exporter.close()
    t.equal(held.at(-1), 1)
    t.same(calls, heapTrim ? [{ type: 'major', execution: 'sync', flavor: 'last-resort' }] : [], `heapTrim ${heapTrim}`)
    t.equal(exporter.heapTrimmer.trims, heapTrim ? 1 : 0)
  }
})
