/** Vendor times: real calendar days only (no roll-over of 2026-02-30 into March), and no time a Date cannot print. */
import t from 'tap'
import { dateOrNull, isoOrNull, toUnixSeconds } from '../../src/util/time.js'

t.test('real days and times are read', async t => {
  t.equal(toUnixSeconds('2026-02-28'), Date.UTC(2026, 1, 28) / 1000)
  t.equal(toUnixSeconds('2024-02-29T12:00:00Z'), Date.UTC(2024, 1, 29, 12) / 1000, 'a leap day')
  t.equal(toUnixSeconds('2026-11-22T08:00:00.123+01:00'), Date.UTC(2026, 10, 22, 7, 0, 0, 123) / 1000)
  t.equal(toUnixSeconds(1_764_000_000_000), 1_764_000_000)
  t.equal(toUnixSeconds('1764000000'), 1_764_000_000, 'ten digits: seconds')
})

t.test('impossible calendar days are no time (never rolled over to the next month)', async t => {
  for (const v of ['2026-02-30', '2026-02-29', '2025-04-31', '2026-13-01', '2026-00-10', '2026-02-30T00:00:00Z', '2026-06-31T12:00:00+02:00', '0050-01-01']) {
    t.equal(toUnixSeconds(v), undefined, v)
  }
})

t.test('times beyond year 9999 are no time; printing never throws', async t => {
  t.equal(toUnixSeconds('9'.repeat(30)), undefined)
  t.equal(toUnixSeconds(1e300), undefined)
  t.equal(toUnixSeconds('+275760-09-13T00:00:00Z'), undefined)
  t.equal(isoOrNull(Number.POSITIVE_INFINITY), null)
  t.equal(isoOrNull(9e15), null)
  t.equal(dateOrNull(1e300), null)
  t.equal(isoOrNull(0), '1970-01-01T00:00:00.000Z')
})
