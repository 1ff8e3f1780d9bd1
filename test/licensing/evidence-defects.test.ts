/**
 * The vault cannot be fooled (issue #20), through the command line's offline report on vaults built by hand:
 * files that are not archives, rows that cannot be read or are dated after the snapshot, copies, absurd
 * quantities, renamed clusters, a cluster twice, files of any size. Each case failed before the evidence index.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { archiveName } from '../../src/archive/vault.js'
import { tempDir, type Teardown } from '../helpers.js'
import { makeZip } from '../simulator/zip.js'
import { at, cli, dailyCsv, offlineReport, vaultConfig, writeSnapshot, type Row } from '../fixtures/vault.js'

const days = (from: string, n: number): string[] => Array.from({ length: n }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10))

function setup (t: Teardown, clusters: readonly string[], entitlements?: string): { vault: string, config: string } {
  const dir = tempDir('license-exporter-test-', t)
  const vault = join(dir, 'vault')
  mkdirSync(vault)
  return { vault, config: vaultConfig(dir, vault, clusters, entitlements === undefined ? {} : { entitlements }) }
}

t.test('a products_daily CSV of 131,400 rows (8 MB) is read row by row: the report answers', async t => {
  const { vault, config } = setup(t, ['big'])
  const year = days('2025-01-01', 365)
  const rows: Row[] = []
  for (let p = 0; p < 360; p++) for (const [i, d] of year.entries()) rows.push([d, (p * 7 + i) % 50 + (p === 0 && i === 200 ? 1000 : 0), `Product ${p}`, `id${p}`])
  writeSnapshot(vault, 'big', at('2026-01-01'), { rows })
  const r = await offlineReport(config, '2025-01-01', '2025-12-31')
  t.equal(r.status, 0, r.stderr)
  t.equal(r.report?.rows.length, 360)
  const p0 = r.report?.rows.find(x => x.product === 'Product 0')
  t.same([p0?.peak, p0?.peak_date, p0?.complete], [1000 + 200 % 50, year[200], true])
})

t.test('an unreadable row on a covered day makes that product and day unknown, never 0', async t => {
  const { vault, config } = setup(t, ['a', 'b'], '[{ product: "IBM MQ Advanced", unit: VIRTUAL_PROCESSOR_CORE, quota: 50 }]')
  writeSnapshot(vault, 'a', at('2026-03-03'), { rows: [['2026-03-01', '1O0'], ['2026-03-02', 10], ['2026-03-01', 5, 'IBM Db2', 'db2']] })
  writeSnapshot(vault, 'b', at('2026-03-03'), { rows: [['2026-03-01', 0], ['2026-03-02', 0], ['2026-03-01', 5, 'IBM Db2', 'db2']] })
  const r = await offlineReport(config, '2026-03-01', '2026-03-02')
  t.equal(r.status, 4, 'incomplete: exit 4')
  const mq = r.report?.rows.find(x => x.product === 'IBM MQ Advanced')
  t.same([mq?.peak, mq?.complete, mq?.missing], [10, false, [{ cluster: 'a', days: ['2026-03-01'] }]], 'the peak is what is known; the day with the unreadable row is missing for that cluster')
  t.equal(r.report?.complete, false)
  t.same(r.report?.clusters.map(c => c.unreadable), [['2026-03-01'], []])
  const db2 = r.report?.rows.find(x => x.product === 'IBM Db2')
  t.same([db2?.peak, db2?.complete], [10, true], 'other products of that day are known')
  t.match(r.report?.evidence_problems, [{ cluster: 'a', reason: 'unreadable_rows' }])
})

t.test('a quantity near 1e302 is refused with its row, never an Infinity that empties the peak', async t => {
  const { vault, config } = setup(t, ['a'])
  writeSnapshot(vault, 'a', at('2026-03-03'), { rows: [['2026-03-01', '1e302'], ['2026-03-02', 7]] })
  const r = await offlineReport(config, '2026-03-01', '2026-03-02')
  const mq = r.report?.rows[0]
  t.same([mq?.peak, mq?.peak_date, mq?.complete], [7, '2026-03-02', false])
  t.match(r.stderr, /unreadable_rows: 1 row\(s\)/)
})

t.test('rows dated after the snapshot was taken are not used', async t => {
  const { vault, config } = setup(t, ['a'])
  writeSnapshot(vault, 'a', at('2026-03-02', 1), { rows: [['2026-03-01', 3], ['2026-03-02', 4], ['2026-03-03', 500], ['2027-01-01', 900]] })
  const r = await offlineReport(config, '2026-03-01', '2026-03-31')
  const mq = r.report?.rows[0]
  t.same([mq?.peak, mq?.peak_date], [4, '2026-03-02'])
  t.equal(r.report?.clusters[0]?.days_covered, 2, 'days after the snapshot stay missing')
  t.match(r.report?.evidence_problems, [{ reason: 'rows_after_snapshot', message: /2 row\(s\)/ }])
})

t.test('two copies of one CSV in a snapshot count once', async t => {
  const { vault, config } = setup(t, ['a'])
  const csv = dailyCsv([['2026-03-01', 8]])
  writeSnapshot(vault, 'a', at('2026-03-02'), { files: { 'products_daily_a.csv': csv, 'copy/products_daily_a.csv': csv, 'cluster1_products-daily-2026-03-01_a.csv': csv } })
  const r = await offlineReport(config, '2026-03-01', '2026-03-01')
  t.equal(r.report?.rows[0]?.peak, 8)
})

t.test('a semicolon or UTF-16 CSV is refused with a reason a person understands', async t => {
  const { vault, config } = setup(t, ['semi', 'utf16', 'nobom'])
  writeSnapshot(vault, 'semi', at('2026-03-02'), { files: { 'products_daily_x.csv': 'name;id;metricName;metricQuantityDate;metricQuantity\r\nIBM MQ;mq;VIRTUAL_PROCESSOR_CORE;2026-03-01;4\r\n' } })
  const text = dailyCsv([['2026-03-01', 4]])
  writeSnapshot(vault, 'utf16', at('2026-03-02'), { files: { 'products_daily_x.csv': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]) } })
  writeSnapshot(vault, 'nobom', at('2026-03-02'), { files: { 'products_daily_x.csv': Buffer.from(text, 'utf16le') } })
  const r = await offlineReport(config, '2026-03-01', '2026-03-01')
  const reasons = Object.fromEntries((r.report?.evidence_problems ?? []).map(p => [p.cluster, p]))
  t.match(reasons.semi, { reason: 'bad_csv', message: /separated by semicolons, not commas/ })
  t.match(reasons.utf16, { reason: 'bad_csv', message: /UTF-16 text \(byte order mark FF FE\)/ })
  t.match(reasons.nobom, { reason: 'bad_csv', message: /UTF-16 text without a byte order mark/ })
  t.notMatch(r.stderr, /row\(s\) skipped/)
})

t.test('unrelated entries with unsafe names are ignored, not a reason to refuse the snapshot', async t => {
  const { vault, config } = setup(t, ['a'])
  writeSnapshot(vault, 'a', at('2026-03-02'), { files: { '../../etc/evil.txt': 'x', '/abs/path.txt': 'y', 'C:\\windows\\x.txt': 'z', 'products_daily_a.csv': dailyCsv([['2026-03-01', 6]]) } })
  const r = await offlineReport(config, '2026-03-01', '2026-03-01')
  t.same([r.status, r.report?.rows[0]?.peak], [0, 6], r.stderr)
})

t.test('a FIFO, a link to /dev/zero and a link to a zip outside the vault are never read; the report answers', async t => {
  const { vault, config } = setup(t, ['a'])
  writeSnapshot(vault, 'a', at('2026-03-02'), { rows: [['2026-03-01', 5]] })
  execFileSync('mkfifo', [join(vault, 'a', archiveName(at('2026-03-05')))])
  symlinkSync('/dev/zero', join(vault, 'a', archiveName(at('2026-03-06'))))
  const outside = join(vault, '..', 'outside.zip')
  writeFileSync(outside, makeZip({ 'products_daily_x.csv': dailyCsv([['2026-03-01', 9999]]) }))
  symlinkSync(outside, join(vault, 'a', archiveName(at('2026-03-07'))))
  const r = await offlineReport(config, '2026-03-01', '2026-03-01', [], { timeoutMs: 30_000, nodeFlags: ['--max-old-space-size=256'] })
  t.notOk(r.timedOut, 'no hang on the FIFO')
  t.same([r.status, r.report?.rows[0]?.peak], [0, 5], 'the link\'s 9999 is not used')
  const problems = (r.report?.evidence_problems ?? []).filter(p => p.reason === 'not_regular').map(p => p.message)
  t.equal(problems.length, 3)
  t.match(problems.join('\n'), /a FIFO, not a regular file[\s\S]*a symbolic link, not a regular file[\s\S]*a symbolic link, not a regular file/)
})

t.test('the same IBM cluster configured twice is a config error naming both entries', async t => {
  const dir = tempDir('license-exporter-test-', t)
  const config = join(dir, 'config.yaml')
  writeFileSync(config, 'clusters:\n  - { name: one, type: ibm_license_service, url: "https://LS.example.com:443/ibm-licensing-service-instance/", token: x }\n  - { name: two, type: ibm_license_service, url: "https://ls.example.com/ibm-licensing-service-instance", token: x }\n')
  const r = await cli([`--config.file=${config}`, '--check-config'])
  t.equal(r.status, 1)
  t.match(r.stderr, /clusters\[1\]\.url: the same IBM License Service as clusters\[0\] \("one"\)/)
})

t.test('one cluster id in the snapshots of two configured clusters is counted once and reported', async t => {
  const { vault, config } = setup(t, ['first', 'again'])
  for (const c of ['first', 'again']) writeSnapshot(vault, c, at('2026-03-02'), { rows: [['2026-03-01', 10]], clusterId: 'ocp-4f2a' })
  const r = await offlineReport(config, '2026-03-01', '2026-03-01')
  t.equal(r.report?.rows[0]?.peak, 10, 'not 20')
  t.match(r.report?.evidence_problems, [{ cluster: 'again', reason: 'duplicate_cluster', message: /again and first are of the same IBM cluster \(ocp-4f2a\)/ }])
})

t.test('the folder of a renamed cluster is listed as an orphan, and counted on request', async t => {
  const { vault, config } = setup(t, ['new-name'])
  writeSnapshot(vault, 'new-name', at('2026-03-03'), { rows: [['2026-03-02', 4]] })
  writeSnapshot(vault, 'old-name', at('2026-03-02'), { rows: [['2026-03-01', 6]] })
  const plain = await offlineReport(config, '2026-03-01', '2026-03-02')
  t.match(plain.report?.orphans, [{ folder: 'old-name', archives: 1 }])
  t.match(plain.stderr, /old-name \(1 archive\(s\)\) belongs to no configured cluster/)
  const counted = await offlineReport(config, '2026-03-01', '2026-03-02', ['--report.include-orphans'])
  t.same(counted.report?.clusters.map(c => [c.cluster, c.days_covered]), [['new-name', 1], ['old-name', 1]])
  t.same([counted.report?.rows[0]?.peak, counted.report?.complete], [6, false])
  const refused = await cli([`--config.file=${config}`, '--report', '--report.include-orphans'])
  t.equal(refused.status, 2, 'include-orphans needs --report.offline')
})

t.test('two daily CSVs of 63 MiB each stream through in bounded memory', async t => {
  const { vault, config } = setup(t, ['huge'])
  const line = (d: string, q: number): string => `IBM MQ Advanced,mq,VIRTUAL_PROCESSOR_CORE,${d},${q}\r\n`
  const big = (q: number): Buffer => {
    const body = Buffer.from(line('2026-03-01', q).repeat(Math.floor(63 * 2 ** 20 / line('2026-03-01', q).length) - 2))
    return Buffer.concat([Buffer.from('name,id,metricName,metricQuantityDate,metricQuantity\r\n'), body])
  }
  writeSnapshot(vault, 'huge', at('2026-03-02'), { files: { 'products_daily_1.csv': big(1), 'products_daily_2.csv': big(2) } })
  const r = await offlineReport(config, '2026-03-01', '2026-03-01', [], { nodeFlags: ['--max-old-space-size=160'], timeoutMs: 120_000 })
  t.equal(r.status, 0, r.stderr.slice(-500))
  t.ok((r.report?.rows[0]?.peak ?? 0) > 1_000_000, `duplicate rows add up: ${r.report?.rows[0]?.peak}`)
})

t.test('what a snapshot cannot hold is refused, and bounded: rows older than three years, more than 10,000 products', async t => {
  const { vault, config } = setup(t, ['old', 'many'])
  writeSnapshot(vault, 'old', at('2026-03-02'), { rows: [['2026-03-01', 4], ['1900-01-01', 999], ['2020-01-01', 999]] })
  const rows: Row[] = Array.from({ length: 10_001 }, (_, i) => ['2026-03-01', 1, `Product ${i}`, `id${i}`])
  writeSnapshot(vault, 'many', at('2026-03-02'), { rows })
  const r = await offlineReport(config, '2026-03-01', '2026-03-01')
  t.equal(r.report?.rows.find(x => x.product === 'IBM MQ Advanced')?.peak, 4)
  t.match(r.report?.evidence_problems, [{ cluster: 'old', reason: 'rows_too_old', message: /^2 row\(s\)/ }, { cluster: 'many', reason: 'bad_csv', message: /more than 10000 products and metrics in one snapshot/ }])
})
