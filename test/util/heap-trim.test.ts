import t from 'tap'
import { exposedGc, HeapTrimmer, type CollectGarbage } from '../../src/util/heap-trim.js'

const MB = 1024 * 1024

/** A trimmer on a fake RSS and clock; each GC brings RSS down to `afterGc`. */
function fake (opts: { growthBytes?: number, minGapMs?: number } = {}) {
  const state = { rss: 100 * MB, now: 0, afterGc: 90 * MB, gcs: [] as unknown[] }
  const gc: CollectGarbage = options => { state.gcs.push(options); state.rss = state.afterGc }
  const trimmer = new HeapTrimmer({ gc, rss: () => state.rss, now: () => state.now, ...opts })
  return { state, trimmer }
}

t.test('trims at an idle moment once RSS has grown by the threshold since it was built', async t => {
  const { state, trimmer } = fake({ growthBytes: 48 * MB })
  t.ok(trimmer.enabled)
  state.rss = 147 * MB
  state.now = 5000
  t.equal(trimmer.idle(), undefined, '47 MB of growth: no trim')
  state.rss = 148 * MB
  const trim = trimmer.idle()
  t.same(trim, { beforeBytes: 148 * MB, afterBytes: 90 * MB, ms: 0 }, 'what the trim did')
  t.same(state.gcs, [{ type: 'major', execution: 'sync', flavor: 'last-resort' }], "one of V8's memory-reducing GCs")
  t.equal(trimmer.trims, 1)
})

t.test('the next trim needs the same growth from the RSS after the last one, and a gap', async t => {
  const { state, trimmer } = fake({ growthBytes: 10 * MB, minGapMs: 1000 })
  state.rss = 120 * MB
  t.ok(trimmer.idle(), 'first trim (RSS now 90 MB)')
  state.rss = 99 * MB
  state.now = 5000
  t.equal(trimmer.idle(), undefined, '9 MB above the RSS after the trim')
  state.rss = 130 * MB
  state.now = 5000
  t.ok(trimmer.idle(), '40 MB above it: trimmed')
  state.rss = 130 * MB
  state.now = 5999
  t.equal(trimmer.idle(), undefined, 'within the gap of the last trim: not again')
  state.now = 6000
  t.ok(trimmer.idle(), 'once the gap has passed')
  t.equal(trimmer.trims, 3)
})

t.test('a lower RSS lowers the baseline (memory given back by other means counts)', async t => {
  const { state, trimmer } = fake({ growthBytes: 20 * MB })
  state.rss = 60 * MB
  t.equal(trimmer.idle(), undefined)
  state.rss = 85 * MB
  t.ok(trimmer.idle(), '25 MB above the lowest RSS seen, though below the RSS at start')
})

t.test('without gc (node run without --expose-gc) nothing happens', async t => {
  let read = 0
  const trimmer = new HeapTrimmer({ gc: undefined, rss: () => { read++; return 10_000 * MB } })
  t.notOk(trimmer.enabled)
  t.equal(trimmer.idle(), undefined)
  t.equal(read, 0, 'not even RSS is read')
})

t.test('exposedGc finds the gc that --expose-gc installs, and only a function', async t => {
  const g = globalThis as { gc?: unknown }
  const saved = g.gc
  t.teardown(() => { if (saved === undefined) delete g.gc; else g.gc = saved })
  delete g.gc
  t.equal(exposedGc(), undefined)
  g.gc = 'not a function'
  t.equal(exposedGc(), undefined)
  const fn = (): void => {}
  g.gc = fn
  t.equal(exposedGc(), fn)
})

t.test('by default: 32 MiB of growth, at most one trim a second', async t => {
  const { state, trimmer } = fake()
  state.rss = 131 * MB
  t.equal(trimmer.idle(), undefined, '31 MB')
  state.rss = 132 * MB
  t.ok(trimmer.idle(), '32 MB')
  state.rss = 200 * MB
  state.now = 999
  t.equal(trimmer.idle(), undefined, '999 ms later')
  state.now = 1000
  t.ok(trimmer.idle(), '1 s later')
})
