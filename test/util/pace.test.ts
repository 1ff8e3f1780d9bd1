import t from 'tap'
import { PACE_SLICE_MS, paced } from '../../src/util/pace.js'

const busy = (ms: number): void => { const end = performance.now() + ms; while (performance.now() < end) { /* spin */ } }

t.test('paced jobs run in order, pass results and errors, and let timers in between turns', async t => {
  const order: number[] = []
  let timerRanAfter = -1
  // The timer is set by the first job, so it is due while the paced turn is still running.
  const jobs = Array.from({ length: 20 }, (_, i) => paced(() => {
    if (i === 0) setTimeout(() => { timerRanAfter = order.length }, 0)
    busy(1)
    order.push(i)
    return i * 2
  }))
  t.same(await Promise.all(jobs), Array.from({ length: 20 }, (_, i) => i * 2))
  t.same(order, Array.from({ length: 20 }, (_, i) => i), 'FIFO')
  t.ok(timerRanAfter > 0 && timerRanAfter < 20, `a timer ran between turns (after ${timerRanAfter} of 20 jobs of 1 ms; slice ${PACE_SLICE_MS} ms)`)
  await t.rejects(paced(() => { throw new Error('bad shape') }), /bad shape/)
})
