import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { startStack, waitFor } from '../helpers.js'

t.test('a rotated token file is picked up at reload', async t => {
  const stack = await startStack(t, { rot: { scenario: { kind: 'dynatrace', token: 'rotate-token-old-0001' } } }, { global: ['interval: 200ms'] })
  await stack.ready()
  t.equal(stack.exporter.store.get('rot')?.up, true)
  // The vendor rotates the token: the old one stops working.
  stack.sim.set('rot', { kind: 'dynatrace', token: 'rotate-token-new-0002' })
  await waitFor(() => stack.exporter.store.get('rot')?.lastError?.reason === 'auth', 3000, 'auth failure with the old token')
  writeFileSync(join(stack.dir, 'rot.token'), 'rotate-token-new-0002\n')
  const res = await stack.exporter.app.inject({ method: 'POST', url: '/-/reload' })
  t.equal(res.statusCode, 200)
  await waitFor(() => stack.exporter.store.get('rot')?.up === true, 3000, 'polled with the new token')
  const last = stack.sim.requests.filter(r => r.cluster === 'rot' && r.path === '/api/cluster/v2/clusterLicense').at(-1)
  t.equal(last?.headers.authorization, 'Api-Token rotate-token-new-0002')
})
