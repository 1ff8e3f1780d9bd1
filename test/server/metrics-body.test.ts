import { connect } from 'node:net'
import { gunzipSync } from 'node:zlib'
import t from 'tap'
import { request } from 'undici'
import { ClusterMetrics } from '../../src/metrics/cluster.js'
import { ProcessMetrics } from '../../src/metrics/process.js'
import { Rendered, scrapeBody } from '../../src/metrics/rendered.js'
import { filledStore, testApp } from '../fixtures/app.js'

t.test('scrapeBody serves the cached buffers themselves, in order, plain and gzip', async t => {
  const head = new Rendered([Buffer.from('# HELP a x\n'), Buffer.from('a 1\n')])
  const tail = new Rendered([Buffer.from('p 2\n')])
  const plain = await scrapeBody(head, tail, false)
  t.equal(plain.parts.length, 3)
  t.equal(plain.parts[0], head.parts[0], 'the same buffer object: not a copy')
  t.equal(plain.parts[2], tail.parts[0])
  t.equal(plain.length, '# HELP a x\na 1\np 2\n'.length)
  const gz = await scrapeBody(head, tail, true)
  t.same(gz.parts, [await head.gzip(), await tail.gzip()], 'each part keeps its own gzip member')
  t.equal(gunzipSync(Buffer.concat(gz.parts)).toString(), '# HELP a x\na 1\np 2\n', 'two members form one gzip stream')
})

t.test('/metrics over a socket: the bytes of the rendered parts, with their length, in every format', async t => {
  const store = filledStore()
  const app = testApp(t, { store })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  // What the routes render from, computed here the same way.
  const expected = new ClusterMetrics(store)
  const processMetrics = new ProcessMetrics('0.0.0-test')
  for (const [accept, format] of [['text/plain', 'text'], ['application/openmetrics-text; version=1.0.0', 'openmetrics']] as const) {
    const res = await request(`${url}/metrics`, { headers: { accept } })
    const body = Buffer.from(await res.body.arrayBuffer())
    t.equal(res.statusCode, 200)
    t.equal(Number(res.headers['content-length']), body.length, `${format}: content-length is the body's length`)
    t.equal(res.headers['transfer-encoding'], undefined, `${format}: not chunked`)
    const clusterPart = (await expected.get(format)).toString()
    t.equal(body.subarray(0, Buffer.byteLength(clusterPart)).toString(), clusterPart, `${format}: the per-cluster part, byte for byte`)
    const rest = body.subarray(Buffer.byteLength(clusterPart)).toString()
    const processNames = (await processMetrics.render(format)).toString().split('\n').filter(l => l.startsWith('# TYPE')).join('\n')
    t.equal(rest.split('\n').filter(l => l.startsWith('# TYPE')).join('\n'), processNames, `${format}: then the process part`)

    const head = await request(`${url}/metrics`, { method: 'HEAD', headers: { accept } })
    t.equal(head.statusCode, 200, `${format} HEAD: 200`)
    t.ok(Number(head.headers['content-length']) > Buffer.byteLength(clusterPart), `${format} HEAD: the length of the body it would get`)
    t.equal((await head.body.arrayBuffer()).byteLength, 0, `${format} HEAD: no body`)

    const gz = await request(`${url}/metrics`, { headers: { accept, 'accept-encoding': 'gzip' } })
    const zipped = Buffer.from(await gz.body.arrayBuffer())
    t.equal(gz.headers['content-encoding'], 'gzip')
    t.equal(Number(gz.headers['content-length']), zipped.length, `${format} gzip: content-length is the body's length`)
    t.equal(gunzipSync(zipped).subarray(0, Buffer.byteLength(clusterPart)).toString(), clusterPart, `${format} gzip: the same per-cluster bytes`)
  }
})

t.test('a scraper that goes away in the middle of a body breaks nothing', async t => {
  const app = testApp(t, { store: filledStore() })
  const url = new URL(await app.listen({ host: '127.0.0.1', port: 0 }))
  for (let i = 0; i < 5; i++) {
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.write('GET /metrics HTTP/1.1\r\nhost: x\r\n\r\n'))
      socket.once('data', () => { socket.destroy(); resolve() })
      socket.once('error', reject)
    })
  }
  const res = await request(`${url.origin}/metrics`)
  t.equal(res.statusCode, 200, 'the next scrape is served')
  t.match(await res.body.text(), /^# HELP /, 'with a whole body')
})
