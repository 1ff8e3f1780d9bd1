import t from 'tap'
import { parseConfig } from '../../src/config/load.js'
import { Poller } from '../../src/polling/poller.js'
import { Store } from '../../src/polling/store.js'
import { createLogger } from '../../src/util/logger.js'
import { seriesValue, startStack, waitFor } from '../helpers.js'
import { startSimulator } from '../simulator/server.js'

const polls = (sim: { requests: Array<{ cluster: string, path: string }> }, c: string, path = '/api/cluster/v2/clusterLicense'): number =>
  sim.requests.filter(r => r.cluster === c && r.path === path).length

t.test('a transient 5xx is retried within the same poll and the poll succeeds', async t => {
  const stack = await startStack(t, { flap: { scenario: { kind: 'dynatrace', token: 'tok-flap-0001', fault: { kind: 'status', status: 503 } } } }, { global: ['timeout: 5s'] })
  // Heal the cluster after the first failed attempt: the retry (same poll) must pick it up.
  await waitFor(() => polls(stack.sim, 'flap') >= 1, 3000, 'first attempt')
  stack.sim.set('flap', { kind: 'dynatrace', token: 'tok-flap-0001' })
  await stack.ready()
  t.equal(stack.exporter.store.get('flap')?.up, true, 'the poll succeeded after a retry')
  t.ok(stack.exporter.poller.retries >= 1, `${stack.exporter.poller.retries} retries`)
  t.equal(seriesValue((await stack.get('/metrics')).body, 'license_cluster_poll_errors_total', { cluster: 'flap', reason: 'http_5xx' }), 0, 'a retried failure is not a failed poll')
})

t.test('a persistent 5xx is retried with backoff until the deadline, then counted once', async t => {
  const stack = await startStack(t, { down: { scenario: { kind: 'dynatrace', token: 'tok-down-0002', fault: { kind: 'status', status: 500 } } } }, { global: ['timeout: 1500ms'] })
  await stack.ready()
  const attempts = polls(stack.sim, 'down')
  t.ok(attempts >= 3 && attempts <= 12, `${attempts} attempts within one 1.5 s deadline`)
  t.equal(seriesValue((await stack.get('/metrics')).body, 'license_cluster_poll_errors_total', { cluster: 'down', reason: 'http_5xx' }), 1)
})

t.test('auth and shape errors are not retried', async t => {
  const stack = await startStack(t, {
    auth: { scenario: { kind: 'dynatrace', token: 'tok-auth-0003', fault: { kind: 'status', status: 401 } } },
    shape: { scenario: { kind: 'dynatrace', token: 'tok-shape-0004', fault: { kind: 'wrong_shape' } } },
    limited: { scenario: { kind: 'dynatrace', token: 'tok-429-0005', fault: { kind: 'status', status: 429 } } },
  }, { global: ['timeout: 3s'] })
  await stack.ready()
  t.equal(polls(stack.sim, 'auth'), 1)
  t.equal(polls(stack.sim, 'shape'), 1)
  t.equal(polls(stack.sim, 'limited'), 1)
  t.equal(stack.exporter.poller.retries, 0)
})

t.test('a hung first attempt leaves time for a second one', async t => {
  const stack = await startStack(t, { slow: { scenario: { kind: 'dynatrace', token: 'tok-slow-0006', fault: { kind: 'hang' } } } }, { global: ['timeout: 2s'] })
  await waitFor(() => polls(stack.sim, 'slow') >= 1, 3000, 'first attempt')
  stack.sim.set('slow', { kind: 'dynatrace', token: 'tok-slow-0006' })
  await stack.ready(5000)
  t.equal(stack.exporter.store.get('slow')?.up, true, 'second attempt succeeded inside the same deadline')
  t.ok((stack.exporter.store.get('slow')?.lastDurationMs ?? 0) >= 900, 'after the first attempt was cut at half the deadline')
})

t.test('concurrency: never more polls in flight than configured', async t => {
  const clusters = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`c${i}`, { scenario: { kind: 'dynatrace' as const, token: `tok-conc-${i}`, latencyMs: 150 } }]))
  const stack = await startStack(t, clusters, { global: ['concurrency: 2'] })
  let max = 0
  const timer = setInterval(() => { max = Math.max(max, stack.exporter.poller.inFlight) }, 5)
  await stack.ready()
  clearInterval(timer)
  t.ok(max <= 2 && max >= 1, `max in flight ${max}`)
})

t.test('polling again after stop() opens fresh connection pools', async t => {
  const stack = await startStack(t, { again: { scenario: { kind: 'dynatrace', token: 'tok-again-0007' } } })
  await stack.ready()
  await stack.exporter.poller.stop()
  await stack.exporter.poller.pollAllOnce()
  t.equal(stack.exporter.store.get('again')?.up, true)
  t.equal(stack.exporter.store.get('again')?.errors.connect, 0)
})

t.test('onIdle: once when the last poll in flight has ended, not between polls, not after stop()', async t => {
  const sim = await startSimulator({
    fast: { kind: 'dynatrace', token: 'idle-token-0001' },
    slow: { kind: 'ibm', token: 'idle-token-0002', latencyMs: 300 },
  })
  t.teardown(() => sim.close())
  const clusters = `clusters:\n  - { name: fast, type: dynatrace_managed, url: "${sim.baseUrl('fast')}", token: idle-token-0001 }\n  - { name: slow, type: ibm_license_service, url: "${sim.baseUrl('slow')}", token: idle-token-0002 }\n`
  const turn = (): Promise<void> => new Promise(resolve => setImmediate(resolve))
  for (const concurrency of [16, 1]) {
    const config = await parseConfig(`global: { concurrency: ${concurrency} }\n${clusters}`, 'x.yaml', {})
    const seen: number[] = []
    const poller: Poller = new Poller({ store: new Store(), log: createLogger('silent'), onIdle: () => { seen.push(poller.inFlight) } })
    t.teardown(() => poller.stop())
    poller.apply(config)
    await poller.pollAllOnce()
    await turn()
    // In parallel, the fast poll ends while the slow one runs; one at a time, the slow one starts right after.
    t.same(seen, [0], `concurrency ${concurrency}: called once, with nothing in flight`)
    await poller.pollAllOnce()
    await turn()
    t.same(seen, [0, 0], `concurrency ${concurrency}: and again after the next burst`)
    await poller.pollAllOnce()
    await poller.stop()
    await turn()
    await turn()
    t.same(seen, [0, 0], `concurrency ${concurrency}: not once stop() has been called`)
  }
})
