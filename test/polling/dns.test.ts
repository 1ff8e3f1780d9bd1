import t from 'tap'
import { parseConfig } from '../../src/config/load.js'
import { Poller } from '../../src/polling/poller.js'
import { Store } from '../../src/polling/store.js'
import { createLogger } from '../../src/util/logger.js'

t.test('a host name that does not resolve is named in the error and not retried for the whole deadline', async t => {
  const config = await parseConfig('global: { timeout: 30s }\nclusters:\n  - { name: gone, type: dynatrace_managed, url: "https://no-such-host.invalid:8443", token: dns-test-token-0001 }\n', 'x.yaml', {})
  const store = new Store()
  const poller = new Poller({ store, log: createLogger('silent') })
  poller.apply(config)
  t.teardown(() => poller.stop())
  await poller.pollAllOnce()
  const st = store.get('gone')
  t.equal(st?.up, false)
  t.equal(st?.lastError?.reason, 'connect')
  t.match(st?.lastError?.message, /^DNS lookup of no-such-host\.invalid failed \((ENOTFOUND|EAI_AGAIN)\)$/)
  if (st?.lastError?.message.includes('ENOTFOUND') === true) t.equal(poller.retries, 0, 'no retry: the name will not resolve on the next attempt either')
})
