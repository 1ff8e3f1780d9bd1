/**
 * Slow `/metrics` readers: 200 clients that connect over a few seconds and never read share the body being
 * sent (no new 8 MB render each), so memory stays near idle; and a response not read in time is cut.
 */
import { connect, type Socket } from 'node:net'
import t from 'tap'
import { buildApp } from '../../src/server/app.js'
import { MetricsSends } from '../../src/server/metrics-sends.js'
import type { ClusterMetrics } from '../../src/metrics/cluster.js'
import { ProcessMetrics } from '../../src/metrics/process.js'
import { Rendered } from '../../src/metrics/rendered.js'
import { Store } from '../../src/polling/store.js'
import { createLogger } from '../../src/util/logger.js'
import { waitFor } from '../helpers.js'

const MB = 1024 * 1024

t.test('200 slow readers share a body; each is cut after the send timeout', async t => {
  let renders = 0
  // Every render is a new 8 MB body, as at 1,000 clusters when the data changed.
  const clusterMetrics = { get: async () => { renders++; return new Rendered([Buffer.alloc(8 * MB, 0x61 + (renders % 26))]) } } as unknown as ClusterMetrics
  const sends = new MetricsSends({ sendTimeoutMs: 4000 })
  const store = new Store()
  const app = buildApp({
    store, clusterMetrics, processMetrics: new ProcessMetrics('0.0.0-test'), logger: createLogger('silent'), version: '0.0.0-test',
    ready: () => true, report: () => Promise.reject(new Error('none')), reload: async () => undefined, enableLifecycle: false, metricsSends: sends,
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const { port } = app.server.address() as { port: number }
  global.gc?.()
  const idle = process.memoryUsage().rss
  const sockets: Socket[] = []
  t.teardown(() => { for (const s of sockets) s.destroy() })
  for (let i = 0; i < 200; i++) {
    const s = connect(port, '127.0.0.1')
    s.on('error', () => undefined)
    s.pause() // never reads
    s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n')
    sockets.push(s)
    if (i % 20 === 19) await new Promise(resolve => setTimeout(resolve, 250))
  }
  await waitFor(() => sends.inFlight === 200, 10_000, 'every response under way')
  const held = process.memoryUsage().rss - idle
  t.ok(renders <= 2, `readers connecting over 2.5 s shared ${renders} render(s), not 200`)
  t.ok(held < 50 * MB, `RSS within 50 MB of idle with 200 readers that never read: +${(held / MB).toFixed(1)} MB`)
  await waitFor(() => sends.inFlight === 0, 15_000, 'the slow responses cut')
  t.equal(sends.cut, 200, 'every response that was not read was cut at the send timeout')
  // A normal scrape after them gets a new render at once.
  const before = renders
  const fresh = await app.inject({ url: '/metrics' })
  t.equal(fresh.statusCode, 200)
  t.equal(renders, before + 1, 'nobody is being sent a body: a new render')
  t.ok(fresh.body.length > 8 * MB)
})
