import t from 'tap'
import { Store, sameSamples } from '../../src/polling/store.js'
import { PollError } from '../../src/sources/errors.js'
import type { PollOutcome } from '../../src/sources/types.js'

const outcome = (v: number): PollOutcome => ({ samples: [{ metric: 'license_usage', labels: { product: 'p', product_id: '', unit: 'u' }, value: v }], partFailures: [], endpoints: { a: true } })
const id = (name: string) => ({ name, type: 'dynatrace_managed', labels: {}, staleAfterMs: 1000 })

t.test('stale license values go after stale_after; health stays; unchanged values keep their array', async t => {
  const store = new Store()
  store.sync([id('a'), id('b')])
  store.recordSuccess('a', outcome(1), 0, 100)
  const first = store.get('a')!.samples
  store.recordSuccess('a', outcome(1), 200, 300)
  t.equal(store.get('a')!.samples, first, 'same values: same array (the renderer reuses its lines)')
  store.recordFailure('a', new PollError('http_5xx', 'HTTP 503'), 400, 500)
  t.equal(store.get('a')!.up, false)
  t.equal(store.get('a')!.samples.length, 2, 'kept until stale (usage and endpoint)')
  t.equal(store.expireStale(1300), false, 'not yet: last success at 300 + 1000')
  t.equal(store.expireStale(1301), true)
  t.same(store.get('a')!.samples, [])
  t.equal(store.get('a')!.errors.http_5xx, 1, 'health stays')
  t.equal(store.allPolled(), false, 'b never polled')
  store.sync([id('b')])
  t.equal(store.get('a'), undefined, 'removed clusters vanish')
})

t.test('sync keeps the data of kept clusters, resets a changed type, drops removed ones', async t => {
  const store = new Store()
  store.sync([id('a'), id('b')])
  store.recordSuccess('a', outcome(5), 0, 10)
  store.recordFailure('b', new PollError('rate_limited', 'HTTP 429', { status: 429, retryAtMs: 99_000 }), 0, 10)
  const v = store.version
  store.sync([{ ...id('a'), labels: { env: 'prod' }, staleAfterMs: 5000 }, id('b'), id('c')])
  t.ok(store.version > v, 'a sync is a change')
  const a = store.get('a')!
  t.same([a.up, a.samples.length, a.id.labels, a.id.staleAfterMs], [true, 2, { env: 'prod' }, 5000], 'samples kept, identity updated')
  t.equal(store.get('b')!.retryAtMs, 99_000, 'a Retry-After survives a reload')
  t.equal(store.get('b')!.errors.rate_limited, 1)
  t.same([store.get('c')!.up, store.get('c')!.samples], [undefined, []], 'a new cluster starts empty')
  t.equal(store.expireStale(10 + 4000), false, 'the new stale_after applies (5000 ms)')
  store.sync([{ ...id('a'), type: 'ibm_license_service' }])
  t.same([store.get('a')!.up, store.get('a')!.samples], [undefined, []], 'another type is another cluster')
  t.equal(store.get('b'), undefined)
  t.equal(store.list().length, 1)
})

t.test('a success clears the Retry-After; a failure sets it', async t => {
  const store = new Store()
  store.sync([id('a')])
  store.recordFailure('a', new PollError('rate_limited', 'HTTP 429', { retryAtMs: 5000 }), 0, 1)
  t.equal(store.get('a')!.retryAtMs, 5000)
  store.recordFailure('a', new PollError('http_5xx', 'HTTP 503'), 2, 3)
  t.equal(store.get('a')!.retryAtMs, undefined, 'a later failure without one clears it')
  store.recordFailure('a', new PollError('rate_limited', 'HTTP 429', { retryAtMs: 7000 }), 4, 5)
  store.recordSuccess('a', outcome(1), 6000, 6001)
  t.equal(store.get('a')!.retryAtMs, undefined)
  t.same(store.get('a')!.errors, { ...store.get('a')!.errors, rate_limited: 2, http_5xx: 1 }, 'error counts add up')
  store.recordSuccess('unknown', outcome(1), 0, 1)
  store.recordFailure('unknown', new PollError('auth', 'x'), 0, 1)
  t.equal(store.get('unknown'), undefined, 'results for a cluster no longer configured are ignored')
})

t.test('expiry: exactly at stale_after the samples stay, 1 ms later they go; extras and health stay', async t => {
  const store = new Store()
  store.sync([id('a')])
  store.recordSuccess('a', outcome(1), 0, 1000)
  store.setExtra('a', 'license_snapshot_size_bytes', 42)
  let changes = 0
  const off = store.onChange(() => { changes++ })
  t.equal(store.expireStale(2000), false, 'at 1000 ms after the success: kept')
  t.equal(changes, 0, 'no change, no notification')
  t.equal(store.expireStale(2001), true)
  t.equal(changes, 1)
  t.same(store.get('a')!.samples, [])
  t.equal(store.get('a')!.up, true, 'up is health, not a license value')
  t.equal(store.get('a')!.extras.size, 1, 'extras stay')
  t.equal(store.expireStale(999_999), false, 'nothing left to expire')
  off()
  store.recordSuccess('a', outcome(2), 3000, 3001)
  t.equal(changes, 1, 'unsubscribed')
})

t.test('sameSamples compares metric, value (NaN and -0 too) and labels in order', async t => {
  const s = (value: number, labels: Record<string, string> = { a: '1', b: '2' }, metric = 'license_usage') => ({ metric, labels, value }) as PollOutcome['samples'][number]
  t.ok(sameSamples([s(1)], [s(1)]))
  t.ok(sameSamples([], []))
  t.ok(sameSamples([s(NaN)], [s(NaN)]), 'NaN equals NaN here')
  t.notOk(sameSamples([s(0)], [s(-0)]), '0 and -0 differ (Object.is)')
  t.notOk(sameSamples([s(1)], [s(2)]))
  t.notOk(sameSamples([s(1)], [s(1), s(1)]))
  t.notOk(sameSamples([s(1)], [s(1, {}, 'license_quota')]))
  t.notOk(sameSamples([s(1, { a: '1', b: '2' })], [s(1, { b: '2', a: '1' })]), 'label order counts (it is the rendered order)')
  t.notOk(sameSamples([s(1, { a: '1' })], [s(1, { a: '1', b: '2' })]))
  t.notOk(sameSamples([s(1, { a: '1' })], [s(1, { a: '2' })]))
  const inherited = Object.assign(Object.create({ x: '1' }) as Record<string, string>, { y: '2' })
  t.notOk(sameSamples([s(1, inherited)], [s(1, { y: '2', x: '1' })]), 'own keys only: an inherited one does not count')
  t.notOk(sameSamples([s(1, { y: '2', x: '1' })], [s(1, inherited)]), 'either way round')
  t.ok(sameSamples([s(1, inherited)], [s(1, { y: '2' })]))
})

t.test('list follows the config order after a reorder, and each cluster keeps its state', async t => {
  const store = new Store()
  store.sync([id('a'), id('b'), id('c')])
  store.recordFailure('a', new PollError('timeout', 'slow'), 0, 10)
  store.sync([id('c'), id('a')])
  t.same(store.list().map(c => c.id.name), ['c', 'a'], 'b dropped, the rest in the new order')
  t.equal(store.get('a')?.errors.timeout, 1, 'a kept its error count')
  t.equal(store.get('b'), undefined)
})
