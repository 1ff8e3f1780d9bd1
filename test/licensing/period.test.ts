import t from 'tap'
import { daysOf, MAX_WINDOW_DAYS, parseWindow, quarterToDate, windowDays } from '../../src/licensing/period.js'

const NOW = Date.parse('2026-08-15T13:00:00Z')
const ok = (params: Record<string, unknown>, now = NOW): unknown => {
  const r = parseWindow(params, now)
  return r.ok ? r.window : r
}

t.test('from and to: inclusive UTC days', async t => {
  t.same(ok({ from: '2020-03-01', to: '2020-03-05' }), { from: '2020-03-01', to: '2020-03-05' })
  t.same(ok({ from: '2020-03-01', to: '2020-03-01' }), { from: '2020-03-01', to: '2020-03-01' }, 'one day')
  t.same(ok({ from: ' 2024-02-29 ', to: '2024-03-01' }), { from: '2024-02-29', to: '2024-03-01' }, 'leap day, spaces trimmed')
  t.same(ok({ from: '2026-08-01', to: '2026-12-31' }), { from: '2026-08-01', to: '2026-12-31' }, 'a to after today is kept (the report says incomplete)')
})

t.test('period: quarter, month, year', async t => {
  t.same(ok({ period: '2026-Q1' }), { from: '2026-01-01', to: '2026-03-31' })
  t.same(ok({ period: '2026-Q2' }), { from: '2026-04-01', to: '2026-06-30' })
  t.same(ok({ period: '2025-Q3' }), { from: '2025-07-01', to: '2025-09-30' })
  t.same(ok({ period: '2025-q4' }), { from: '2025-10-01', to: '2025-12-31' })
  t.same(ok({ period: '2024-02' }), { from: '2024-02-01', to: '2024-02-29' }, 'leap February')
  t.same(ok({ period: '2025-02' }), { from: '2025-02-01', to: '2025-02-28' })
  t.same(ok({ period: '2000-02' }), { from: '2000-02-01', to: '2000-02-29' }, '2000 was a leap year')
  t.same(ok({ period: '2025-12' }), { from: '2025-12-01', to: '2025-12-31' })
  t.same(ok({ period: '2025' }), { from: '2025-01-01', to: '2025-12-31' })
  t.same(ok({ period: '2026-Q3' }), { from: '2026-07-01', to: '2026-08-15' }, 'the current quarter ends today')
  t.same(ok({ period: '2026' }), { from: '2026-01-01', to: '2026-08-15' }, 'the current year ends today')
})

t.test('neither: the current quarter to date', async t => {
  t.same(ok({}), { from: '2026-07-01', to: '2026-08-15' })
  t.same(ok({}, Date.parse('2026-12-31T23:59:59.999Z')), { from: '2026-10-01', to: '2026-12-31' }, 'Q4, last instant')
  t.same(ok({}, Date.parse('2027-01-01T00:00:00Z')), { from: '2027-01-01', to: '2027-01-01' }, 'Q1, first instant')
  t.same(quarterToDate(Date.parse('2024-02-29T10:00:00Z')), { from: '2024-01-01', to: '2024-02-29' })
})

t.test('bad input: 400 messages naming the parameter', async t => {
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ from: '2020-03-01', to: '2020-03-05', period: '2020-Q1' }, 'period', /either period or from and to, not both/],
    [{ to: '2020-03-05', period: '2020' }, 'period', /not both/],
    [{ from: '2020-03-01' }, 'to', /^to: required with from/],
    [{ to: '2020-03-05' }, 'from', /^from: required with to/],
    [{ from: '2021-02-29', to: '2021-03-05' }, 'from', /^from: "2021-02-29" is not a date/],
    [{ from: '2020-03-01', to: '2020-3-5' }, 'to', /^to: "2020-3-5" is not a date \(want YYYY-MM-DD\)/],
    [{ from: '', to: '2020-03-05' }, 'from', /^from: "" is not a date/],
    [{ from: '2020-03-05', to: '2020-03-01' }, 'to', /^to: 2020-03-01 is before from 2020-03-05/],
    [{ from: '1900-01-01', to: '1900-01-02' }, 'from', /not a date/],
    [{ from: '2020-01-01', to: '2029-01-01' }, 'to', new RegExp(`longer than ${MAX_WINDOW_DAYS} days`)],
    [{ from: ['2020-03-01', '2020-03-02'], to: '2020-03-05' }, 'from', /^from: give it once/],
    [{ period: '2026-Q5' }, 'period', /^period: "2026-Q5" is not a period \(want YYYY-Qn, YYYY-MM or YYYY/],
    [{ period: '2026-13' }, 'period', /is not a period/],
    [{ period: '0000-Q1' }, 'period', /is not a period/],
    [{ period: '1969-12' }, 'period', /is not a period/],
    [{ period: '0000' }, 'period', /is not a period/],
    [{ period: '2026-00' }, 'period', /is not a period/],
    [{ period: 'Q3' }, 'period', /is not a period/],
    [{ period: '' }, 'period', /is not a period/],
    [{ period: '2026-Q4' }, 'period', /^period: 2026-Q4 starts after today \(2026-08-15\)/],
  ]
  for (const [params, param, message] of cases) {
    const r = parseWindow(params, NOW)
    t.equal(r.ok ? 'ok' : r.param, param, JSON.stringify(params))
    if (!r.ok) t.match(r.message, message)
  }
})

t.test('days of a window', async t => {
  t.same(daysOf({ from: '2024-02-27', to: '2024-03-01' }), ['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01'])
  t.same(daysOf({ from: '2025-12-31', to: '2026-01-01' }), ['2025-12-31', '2026-01-01'])
  t.equal(windowDays({ from: '2024-01-01', to: '2024-12-31' }), 366)
  t.equal(daysOf({ from: '2025-01-01', to: '2025-12-31' }).length, 365)
  t.equal(daysOf({ from: '2026-03-28', to: '2026-04-02' }).length, 6, 'no DST in UTC')
})
