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

/** A fake clock that also records every delay given to setTimeout. */
function recording (startMs = 0): { clock: FakeClock, delays: number[] } {
  const clock = new FakeClock(startMs)
  const delays: number[] = []
  const set = clock.setTimeout.bind(clock)
  clock.setTimeout = (fn, ms) => { delays.push(ms); return set(fn, ms) }
  return { clock, delays }
}

t.test('the limit itself is one timer; one ms more is a chain; no link is over 2^31-1 ms', async t => {
  const one = recording()
  let fired = 0
  setTimer(() => { fired++ }, MAX_TIMEOUT_MS, one.clock)
  t.same(one.delays, [MAX_TIMEOUT_MS])
  one.clock.advance(MAX_TIMEOUT_MS)
  t.equal(fired, 1)

  const two = recording()
  setTimer(() => { fired++ }, MAX_TIMEOUT_MS + 1, two.clock)
  two.clock.advance(MAX_TIMEOUT_MS)
  t.equal(fired, 1, 'not at the end of the first link')
  two.clock.advance(1)
  t.equal(fired, 2)
  t.same(two.delays, [MAX_TIMEOUT_MS, 1])

  const year = recording(5)
  setTimer(() => { fired++ }, 5 + 365 * DAY, year.clock)
  year.clock.advance(365 * DAY)
  t.equal(fired, 3, 'a year ahead fires at a year')
  t.equal(year.delays.length, Math.ceil(365 * DAY / MAX_TIMEOUT_MS), 'as few links as the limit allows')
  t.ok(year.delays.every(d => d >= 0 && d <= MAX_TIMEOUT_MS), `every link within the limit: ${year.delays.join(', ')}`)
  t.equal(year.delays.reduce((a, b) => a + b, 0), 365 * DAY, 'the links add up to the delay exactly')
})

t.test('cancel in any link of the chain; twice is harmless; cancelling after firing is harmless', async t => {
  for (const link of [0, 1, 3]) {
    const clock = new FakeClock(0)
    let fired = 0
    const cancel = setTimer(() => { fired++ }, 100 * DAY, clock)
    clock.advance(link * MAX_TIMEOUT_MS + 1)
    cancel()
    cancel()
    clock.advance(200 * DAY)
    t.same([fired, clock.pending], [0, 0], `cancelled in link ${link}`)
  }
  const clock = new FakeClock(0)
  let fired = 0
  const cancel = setTimer(() => { fired++ }, 10, clock)
  clock.advance(10)
  cancel()
  t.equal(fired, 1)
})

t.test('the fake clock fires due timers in time order, ties in the order set, and sees timers set while firing', async t => {
  const clock = new FakeClock(0)
  const seen: string[] = []
  clock.setTimeout(() => seen.push('c@30'), 30)
  clock.setTimeout(() => seen.push('a@10'), 10)
  clock.setTimeout(() => { seen.push('b@20'); clock.setTimeout(() => seen.push(`d@${clock.now()}`), 5) }, 20)
  clock.setTimeout(() => seen.push('b2@20'), 20)
  clock.advance(24)
  t.same(seen, ['a@10', 'b@20', 'b2@20'])
  t.equal(clock.now(), 24)
  clock.advance(100)
  t.same(seen, ['a@10', 'b@20', 'b2@20', 'd@25', 'c@30'])
})
