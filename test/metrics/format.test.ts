import t from 'tap'
import { CATALOGUE } from '../../src/metrics/catalogue.js'
import { escapeLabelValue, familyHeader, formatLabels, formatValue } from '../../src/metrics/format.js'

t.test('label values escape backslash, quote and newline; values spell infinities and NaN', async t => {
  t.equal(escapeLabelValue('plain Zürich'), 'plain Zürich')
  t.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd')
  t.equal(formatLabels({ cluster: 'x', product: 'say "hi"' }), 'cluster="x",product="say \\"hi\\""')
  t.equal(formatLabels({}), '')
  t.same([formatValue(1), formatValue(0.25), formatValue(Infinity), formatValue(-Infinity), formatValue(NaN), formatValue(1e21)], ['1', '0.25', '+Inf', '-Inf', 'NaN', '1e+21'])
})

t.test('family headers: OpenMetrics drops a counter\'s _total and escapes quotes in HELP', async t => {
  const def = { ...CATALOGUE.license_cluster_poll_errors_total, help: 'say "x" \\ y' }
  t.equal(familyHeader('license_cluster_poll_errors_total', def, 'text'), '# HELP license_cluster_poll_errors_total say "x" \\\\ y\n# TYPE license_cluster_poll_errors_total counter\n')
  t.equal(familyHeader('license_cluster_poll_errors_total', def, 'openmetrics'), '# HELP license_cluster_poll_errors say \\"x\\" \\\\ y\n# TYPE license_cluster_poll_errors counter\n')
})

t.test('escaping order: a backslash before n or a quote stays a literal backslash', async t => {
  t.equal(escapeLabelValue('\\n'), '\\\\n', 'backslash + n is not a newline')
  t.equal(escapeLabelValue('\\"'), '\\\\\\"')
  t.equal(escapeLabelValue('line1\nline2\n'), 'line1\\nline2\\n')
  t.equal(escapeLabelValue('""'), '\\"\\"')
  t.equal(escapeLabelValue('tab\there'), 'tab\there', 'tabs and other controls pass (the formats allow them)')
  t.equal(escapeLabelValue(''), '')
  t.equal(formatLabels({ a: 'x\\y' }), 'a="x\\\\y"')
})

t.test('values: integers, floats, negatives, extremes', async t => {
  const table: Array<[number, string]> = [
    [0, '0'], [-0, '0'], [42, '42'], [-3, '-3'], [0.1, '0.1'], [1 / 3, '0.3333333333333333'], [-2.5, '-2.5'],
    [1e-7, '1e-7'], [123456789012, '123456789012'], [Number.MAX_SAFE_INTEGER, '9007199254740991'], [1.7976931348623157e308, '1.7976931348623157e+308'],
    [Infinity, '+Inf'], [-Infinity, '-Inf'], [NaN, 'NaN'],
  ]
  for (const [v, s] of table) t.equal(formatValue(v), s, String(v))
  t.ok(table.every(([v, s]) => Number.isNaN(v) ? s === 'NaN' : Number(s.replace('+Inf', 'Infinity').replace('-Inf', '-Infinity')) === v), 'every spelling reads back as the value')
})

t.test('HELP: newlines and backslashes escaped in both formats, a gauge keeps its name', async t => {
  const def = { ...CATALOGUE.license_usage, help: 'two\nlines \\ "q"' }
  t.equal(familyHeader('license_usage', def, 'text'), '# HELP license_usage two\\nlines \\\\ "q"\n# TYPE license_usage gauge\n')
  t.equal(familyHeader('license_usage', def, 'openmetrics'), '# HELP license_usage two\\nlines \\\\ \\"q\\"\n# TYPE license_usage gauge\n')
})
