import t from 'tap'
import { parseConfig } from '../../src/config/load.js'
import { Poller } from '../../src/polling/poller.js'
import { Store } from '../../src/polling/store.js'
import { createLogger } from '../../src/util/logger.js'
import { waitFor } from '../helpers.js'
import { startSimulator, type Simulator } from '../simulator/server.js'

const open = (sim: Simulator): Promise<number> => new Promise((resolve, reject) => sim.server.getConnections((err, n) => (err === null ? resolve(n) : reject(err))))

t.test('no connection stays open between polls (unless keepAlive)', async t => {
  const sim = await startSimulator({ a: { kind: 'dynatrace', token: 'keepalive-token-01' }, b: { kind: 'ibm', token: 'keepalive-token-02' } })
  t.teardown(() => sim.close())
  const config = await parseConfig(`clusters:\n  - { name: a, type: dynatrace_managed, url: "${sim.baseUrl('a')}", token: keepalive-token-01 }\n  - { name: b, type: ibm_license_service, url: "${sim.baseUrl('b')}", token: keepalive-token-02 }\n`, 'x.yaml', {})
  for (const keepAlive of [false, true]) {
    const store = new Store()
    const poller = new Poller({ store, log: createLogger('silent'), keepAlive })
    poller.apply(config)
    await poller.pollAllOnce()
    t.ok(store.get('a')?.up === true && store.get('b')?.up === true)
    if (keepAlive) t.ok(await open(sim) > 0, 'kept alive when asked')
    else t.equal(await waitFor(async () => (await open(sim)) === 0 || undefined, 5000, 'connections closed').then(() => 0), 0, 'every connection closed after the poll')
    await poller.stop()
    await waitFor(async () => (await open(sim)) === 0 || undefined, 5000, 'closed at stop')
  }
})
