/** Prometheus-style durations. */
import t from 'tap'
import { parseDuration } from '../../src/util/duration.js'

t.test('every unit and combinations', async t => {
  const table: Array<[string, number]> = [
    ['250ms', 250], ['30s', 30_000], ['5m', 300_000], ['1h', 3_600_000], ['1d', 86_400_000], ['1w', 604_800_000], ['1y', 31_536_000_000],
    ['1h30m', 5_400_000], ['1m30s500ms', 90_500], ['0s', 0], ['90d', 90 * 86_400_000], ['2w3d', 17 * 86_400_000], ['1s1s', 2000],
  ]
  for (const [text, ms] of table) t.equal(parseDuration(text), ms, text)
})

t.test('anything else is not a duration', async t => {
  for (const bad of ['', '5', '5 minutes', '1.5h', '-1s', 'm5', '5M', '1h 30m', ' 1h', '1h ', '1mm', '10x', 'ms', '1µs']) {
    t.equal(parseDuration(bad), undefined, JSON.stringify(bad))
  }
})
