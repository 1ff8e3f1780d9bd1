import t from 'tap'
import { Scheduler } from '../../src/polling/scheduler.js'
import { FakeClock } from '../fixtures/fake-clock.js'

const DAY = 86_400_000

t.test('reconcile keeps unchanged keys and retires changed and removed ones', async t => {
  const clock = new FakeClock()
  const s = new Scheduler<{ n: number }>(clock)
  let created = 0
  const create = (): { n: number } => ({ n: ++created })
  const first = s.reconcile([{ name: 'a', key: 'a1' }, { name: 'b', key: 'b1' }, { name: 'c', key: 'c1' }], create)
  t.same(first.added.map(x => x.name), ['a', 'b', 'c'])
  t.same(first.retired, [])
  const [a, b, c] = [s.get('a'), s.get('b'), s.get('c')]
  if (a === undefined || b === undefined || c === undefined) throw new Error('slots missing')
  const fired: string[] = []
  for (const slot of [a, b, c]) s.at(slot, clock.now() + 1000, () => fired.push(slot.name))

  const second = s.reconcile([{ name: 'c', key: 'c1' }, { name: 'a', key: 'a2' }, { name: 'd', key: 'd1' }], create)
  t.same(second.added.map(x => x.name), ['a', 'd'], 'changed and new entries are added')
  t.same(second.retired.map(x => x.name).sort(), ['a', 'b'], 'changed and removed entries are retired')
  t.equal(s.get('c'), c, 'an unchanged key keeps the same slot object')
  t.equal(s.get('c')?.state.n, 3, 'and its state')
  t.ok(s.pending(c), 'and its timer')
  t.not(s.get('a'), a, 'a changed key gets a new slot')
  t.ok(a.removed && b.removed, 'retired slots are marked removed')
  t.notOk(c.removed)
  t.notOk(s.pending(a) || s.pending(b), 'retired slots are cancelled')
  t.same(s.slots().map(x => x.name), ['c', 'a', 'd'], 'slots follow the new order')
  t.equal(s.get('b'), undefined)

  clock.advance(1000)
  t.same(fired, ['c'], 'only the kept timer fires')
  t.notOk(s.pending(c), 'a fired timer is no longer pending')

  s.at(a, clock.now() + 10, () => fired.push('a-again'))
  clock.advance(10)
  t.same(fired, ['c'], 'a removed slot is not scheduled')
})

t.test('at replaces an earlier timer; cancel and cancelAll stop them', async t => {
  const clock = new FakeClock()
  const s = new Scheduler<null>(clock)
  s.reconcile([{ name: 'x', key: '1' }, { name: 'y', key: '1' }], () => null)
  const x = s.get('x')
  const y = s.get('y')
  if (x === undefined || y === undefined) throw new Error('slots missing')
  const fired: string[] = []
  s.at(x, clock.now() + 5000, () => fired.push('x-first'))
  s.at(x, clock.now() + 90 * DAY, () => fired.push('x-second'))
  clock.advance(5000)
  t.same(fired, [], 'the earlier timer was replaced')
  clock.advance(90 * DAY - 5000)
  t.same(fired, ['x-second'], 'the later one fires at its time (90 days)')
  t.ok(clock.maxDelayGiven <= 2 ** 31 - 1, 'through timers setTimeout can honour')

  s.at(x, clock.now() + 10, () => fired.push('x-cancelled'))
  s.cancel(x)
  s.at(y, clock.now() + 10, () => fired.push('y-cancelled'))
  s.cancelAll()
  clock.advance(20)
  t.same(fired, ['x-second'], 'cancelled timers never fire')
  t.notOk(s.pending(x) || s.pending(y))
  t.equal(clock.pending, 0)
})
