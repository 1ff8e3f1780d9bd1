import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { createExporter } from '../src/exporter.js'
import { createLogger } from '../src/util/logger.js'
import { tempDir } from './helpers.js'

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
