import t from 'tap'
import { gunzipSync } from 'node:zlib'
import { ClusterMetrics } from '../../src/metrics/cluster.js'
import { Store } from '../../src/polling/store.js'
import type { PollOutcome } from '../../src/sources/types.js'

const id = (name: string) => ({ name, type: 'ibm_license_service', labels: { env: 'prod' }, staleAfterMs: 60_000 })
const outcome = (quantity: number, product = 'IBM MQ'): PollOutcome => ({
  samples: [{ metric: 'license_usage', labels: { product, product_id: 'p1', unit: 'VIRTUAL_PROCESSOR_CORE' }, value: quantity }],
  partFailures: [],
  endpoints: { products: true },
})

t.test('renders only what changed; unchanged values reuse the rendered lines', async t => {
  const store = new Store()
  store.sync([id('a'), id('b')])
  const metrics = new ClusterMetrics(store)
  store.recordSuccess('a', outcome(4), 0, 10)
  store.recordSuccess('b', outcome(6), 0, 10)
  await metrics.refresh()
  const first = (await metrics.get('text')).toString()
  t.match(first, 'license_usage{cluster="a",source="ibm_license_service",env="prod",product="IBM MQ",product_id="p1",unit="VIRTUAL_PROCESSOR_CORE"} 4\n')
  t.match(first, /# TYPE license_usage gauge\n(license_usage\{cluster="a".*\n)(license_usage\{cluster="b".*\n)/, 'one family, clusters in config order')
  const rendered = metrics.sampleRenders

  store.recordSuccess('a', outcome(4), 20, 30) // same values: the store keeps the samples, the lines are reused
  store.recordSuccess('b', outcome(7), 20, 30)
  await metrics.refresh()
  t.equal(metrics.sampleRenders - rendered, 1, 'only b re-rendered its license series')
  const second = (await metrics.get('text')).toString()
  t.match(second, /cluster="a".*unit="VIRTUAL_PROCESSOR_CORE"\} 4\n/)
  t.match(second, /cluster="b".*unit="VIRTUAL_PROCESSOR_CORE"\} 7\n/)
  t.match(second, 'license_cluster_poll_duration_seconds{cluster="a",source="ibm_license_service",env="prod"} 0.01\n', 'health series follow every poll')
})

t.test('both formats share sample lines; counters differ in their family name only', async t => {
  const store = new Store()
  store.sync([id('a')])
  store.recordSuccess('a', outcome(1, 'quote " back\\slash\nnewline'), 0, 1)
  const metrics = new ClusterMetrics(store)
  const text = (await metrics.get('text')).toString()
  const om = (await metrics.get('openmetrics')).toString()
  t.match(text, '# TYPE license_cluster_poll_errors_total counter\nlicense_cluster_poll_errors_total{')
  t.match(om, '# TYPE license_cluster_poll_errors counter\nlicense_cluster_poll_errors_total{')
  t.match(text, 'product="quote \\" back\\\\slash\\nnewline"', 'label values escaped')
  t.notMatch(om, '# EOF', 'the EOF comes after the process metrics, not here')
  t.same(text.split('\n').filter(l => !l.startsWith('#')), om.split('\n').filter(l => !l.startsWith('#')))
})

t.test('a later scrape never waits for a render; gzip is ready when a render is swapped in', async t => {
  const store = new Store()
  store.sync([id('a')])
  const metrics = new ClusterMetrics(store, { renderIntervalMs: 0 })
  const before = await metrics.get('text', true)
  store.recordSuccess('a', outcome(2), 0, 1)
  const during = await metrics.get('text', true) // starts a render in the background
  t.equal(during, before, 'the cached body is served while the store moved on')
  await metrics.refresh()
  const after = await metrics.get('text', true)
  t.not(after, before)
  t.match(gunzipSync(await after.gzip()).toString(), /unit="VIRTUAL_PROCESSOR_CORE"\} 2\n/)
})

t.test('incremental renders (chunks kept as views of the previous render) equal a fresh render', async t => {
  const store = new Store()
  const names = ['a', 'b', 'c', 'd']
  const ids = new Map(names.map(n => [n, id(n)]))
  const idsOf = (ns: string[]) => ns.map(n => ids.get(n) as ReturnType<typeof id>)
  store.sync(idsOf(names))
  // An aggregate in the same family as the clusters' series: its part follows theirs in the joined buffer.
  let round = 0
  const aggregates = () => [{ metric: 'license_usage' as const, labels: { cluster: '_all', source: 'ibm_license_service', product: 'IBM MQ', unit: 'VIRTUAL_PROCESSOR_CORE' }, value: round }]
  const metrics = new ClusterMetrics(store, { aggregates })
  let reused = 0
  for (; round < 12; round++) {
    // Round by round: some values change, some stay, a cluster leaves and comes back, the order changes.
    const present = round % 4 === 3 ? names.filter(n => n !== 'c') : round % 5 === 4 ? [...names].reverse() : names
    store.sync(idsOf(present))
    present.forEach((n, i) => store.recordSuccess(n, outcome(n === 'b' || n === 'd' ? 5 : round % 3, i % 2 === 0 ? 'IBM MQ' : 'IBM Db2'), round * 100, round * 100 + i + 1))
    const before = metrics.sampleRenders
    metrics.aggregatesChanged()
    await metrics.refresh()
    if (round > 0) reused += present.length - (metrics.sampleRenders - before)
    const fresh = new ClusterMetrics(store, { aggregates })
    await fresh.refresh()
    for (const format of ['text', 'openmetrics'] as const) {
      t.equal((await metrics.get(format)).toString(), (await fresh.get(format)).toString(), `round ${round}, ${format}`)
    }
  }
  t.ok(reused >= 10, `${reused} clusters' license series were reused from earlier renders`)
})
