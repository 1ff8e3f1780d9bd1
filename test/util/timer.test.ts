import t from 'tap'
import { MAX_TIMEOUT_MS, setTimer, sleep } from '../../src/util/timer.js'
import { FakeClock } from '../fixtures/fake-clock.js'

const DAY = 86_400_000

t.test('a 90-day timer fires at 90 days: not after 1 ms, not at 24.8 days', async t => {
  const clock = new FakeClock(0)
  let fired = 0
  setTimer(() => { fired++ }, 90 * DAY, clock)
  clock.advance(1)
  t.equal(fired, 0, 'not after 1 ms (what a bare setTimeout does)')
  clock.advance(MAX_TIMEOUT_MS)
  t.equal(fired, 0, 'not at 24.8 days')
  clock.advance(90 * DAY - MAX_TIMEOUT_MS - 2)
  t.equal(fired, 0, '1 ms before')
  clock.advance(1)
  t.equal(fired, 1, 'at 90 days')
  t.ok(clock.maxDelayGiven <= MAX_TIMEOUT_MS, `no setTimeout longer than 2^31-1 ms (${clock.maxDelayGiven})`)
})

t.test('cancel stops the chain; a past time fires on the next turn', async t => {
  const clock = new FakeClock(1000)
  let fired = 0
  const cancel = setTimer(() => { fired++ }, 1000 + 60 * DAY, clock)
  clock.advance(30 * DAY)
  cancel()
  clock.advance(60 * DAY)
  t.equal(fired, 0)
  t.equal(clock.pending, 0, 'nothing left armed')
  setTimer(() => { fired++ }, 0, clock)
  clock.advance(0)
  t.equal(fired, 1)
})

t.test('sleep resolves at its time or at once on abort', async t => {
  const clock = new FakeClock(0)
  const ac = new AbortController()
  let done = false
  const p = sleep(40 * DAY, ac.signal, clock).then(() => { done = true })
  clock.advance(39 * DAY)
  await Promise.resolve()
  t.equal(done, false)
  ac.abort()
  await p
  t.equal(done, true)
})
