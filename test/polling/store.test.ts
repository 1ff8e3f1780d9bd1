import t from 'tap'
import { Store } from '../../src/polling/store.js'
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
