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
