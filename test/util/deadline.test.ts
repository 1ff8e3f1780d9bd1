import t from 'tap'
import { startDeadline } from '../../src/util/deadline.js'

t.test('a deadline aborts at its time, follows its parent, and can be disposed', async t => {
  const keepAlive = setTimeout(() => undefined, 5000) // deadline timers are unref'd
  t.teardown(() => clearTimeout(keepAlive))
  const parent = new AbortController()
  const short = startDeadline(parent.signal, 20)
  await new Promise(resolve => short.signal.addEventListener('abort', resolve))
  t.ok(short.expired, 'expired')
  t.equal((short.signal.reason as Error).name, 'TimeoutError')
  short.dispose()

  const long = startDeadline(parent.signal, 60_000)
  parent.abort(new Error('stopping'))
  t.ok(long.signal.aborted, 'parent abort reaches the deadline')
  t.notOk(long.expired, 'not a timeout')
  long.dispose()

  const disposed = startDeadline(new AbortController().signal, 10)
  disposed.dispose()
  await new Promise(resolve => setTimeout(resolve, 30))
  t.notOk(disposed.signal.aborted, 'a disposed deadline never fires')
})
