import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { Connections } from '../../src/sources/connections.js'

t.test('connections of a poll: one per parallel request up to the limit, reused once idle, closed by destroy', async t => {
  let opened = 0
  let open = 0
  const server = createServer((req, res) => { setTimeout(() => res.end(req.url), 30) })
  server.on('connection', socket => { opened++; open++; socket.once('close', () => { open-- }) })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.closeAllConnections(); server.close() })
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const get = async (c: Connections, path: string): Promise<string> => await (await c.request({ method: 'GET', path })).body.text()

  const c = new Connections(origin, { max: 3, connect: {} })
  t.same(await Promise.all(['/a', '/b', '/c'].map(p => get(c, p))), ['/a', '/b', '/c'], 'parallel requests answered')
  t.equal(opened, 3, 'one connection per parallel request')
  t.equal(await get(c, '/d'), '/d')
  t.equal(opened, 3, 'a later request reuses an idle connection (keep-alive within a poll)')
  t.same(await Promise.all(['/e', '/f', '/g', '/h', '/i'].map(p => get(c, p))), ['/e', '/f', '/g', '/h', '/i'], 'beyond the limit, requests wait their turn')
  t.equal(opened, 3, 'never more than the limit')

  await c.destroy()
  await new Promise(resolve => setTimeout(resolve, 50))
  t.equal(open, 0, 'destroy closes every connection')
  await t.rejects(c.request({ method: 'GET', path: '/' }), { code: 'UND_ERR_DESTROYED' }, 'and no request is sent after')
  t.equal(opened, 3)
})

t.test('a failed request gives its connection back', async t => {
  const server = createServer((_req, res) => { res.statusCode = 500; res.end('no') })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.closeAllConnections(); server.close() })
  const c = new Connections(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { max: 1, connect: {} })
  t.teardown(() => c.destroy())
  const aborted = AbortSignal.abort()
  await t.rejects(c.request({ method: 'GET', path: '/', signal: aborted }), 'an aborted request fails')
  const res = await c.request({ method: 'GET', path: '/' })
  t.equal(res.statusCode, 500, 'the connection serves the next request')
  t.equal(await res.body.text(), 'no')
})
