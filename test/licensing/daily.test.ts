import { readFileSync } from 'node:fs'
import t from 'tap'
import { csvRecords, parseDailyCsv, parseDailyDate } from '../../src/licensing/daily.js'
import { productsDailyCsv } from '../simulator/daily.js'

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/ibm-daily/${name}`, import.meta.url), 'utf8')
const CP4I = { productName: 'IBM Cloud Pak for Integration', productId: 'c8b82d189e7545f0892db9ef2731b90d', metric: 'VIRTUAL_PROCESSOR_CORE' }

t.test("IBM's documented example (M/D/YYYY, columns out of order, an extra column)", async t => {
  const { rows, errors } = parseDailyCsv(fixture('products_daily_2020-03-01_2020-03-05_cluster1.csv'))
  t.same(errors, [])
  t.same(rows, [5, 30, 30, 29, 29].map((value, i) => ({ date: `2020-03-0${i + 1}`, ...CP4I, value })))
})

t.test('BOM, CRLF, header names trimmed and in any case', async t => {
  const { rows, errors } = parseDailyCsv(fixture('products_daily_2020-03-01_2020-03-05_cluster2.csv'))
  t.same(errors, [])
  t.same(rows.map(r => [r.date, r.value]), [['2020-03-01', 20], ['2020-03-02', 10], ['2020-03-03', 10], ['2020-03-04', 25], ['2020-03-05', 5]])
  t.equal(rows[0]!.productId, CP4I.productId)
})

t.test('awkward rows: quotes, commas, line breaks in fields; bad rows reported, good ones kept', async t => {
  const { rows, errors } = parseDailyCsv(fixture('products_daily_awkward.csv'))
  t.same(rows.map(r => [r.productName, r.productId, r.date, r.value]), [
    ['IBM MQ, Advanced', 'aa11', '2020-03-01', 70],
    ['The "Best" Product', 'bb22', '2020-03-02', 1.5],
    ['Two\nLines', 'cc33', '2020-03-03', 2],
    ['Db2 (Warehouse) édition', 'dd44', '2020-03-04', 3],
    ['=cmd|calc', 'ii99', '2020-03-05', 9],
  ])
  t.same(errors.map(e => [e.row, e.line]), [[6, 9], [7, 10], [8, 11], [9, 12], [10, 13], [12, 15]])
  t.match(errors[0]!.reason, /bad date "2\/30\/2020"/)
  t.match(errors[1]!.reason, /bad metricQuantity "-1"/)
  t.match(errors[2]!.reason, /bad metricQuantity "1,234"/)
  t.match(errors[3]!.reason, /too few fields \(2, header has 6\)/)
  t.equal(errors[4]!.reason, 'empty name')
  t.match(errors[5]!.reason, /unterminated quoted field/)
})

t.test('empty file and header alone: no rows, no error', async t => {
  t.same(parseDailyCsv(fixture('products_daily_empty.csv')), { rows: [], errors: [] })
  t.same(parseDailyCsv(fixture('products_daily_header_only.csv')), { rows: [], errors: [] })
  t.same(parseDailyCsv('\ufeff'), { rows: [], errors: [] })
  t.same(parseDailyCsv('\r\n\r\n'), { rows: [], errors: [] })
})

t.test('a missing required column is one error for the whole file', async t => {
  const r = parseDailyCsv(fixture('products_daily_missing_column.csv'))
  t.same(r.rows, [])
  t.same(r.errors, [{ row: 1, line: 1, reason: 'header: missing column metricQuantity' }])
})

t.test('the id column is optional; `date` stands in for metricQuantityDate', async t => {
  const r = parseDailyCsv('date,name,metricName,metricQuantity\n2026-11-20,IBM MQ,VIRTUAL_PROCESSOR_CORE,16\n')
  t.same(r, { rows: [{ date: '2026-11-20', productName: 'IBM MQ', productId: '', metric: 'VIRTUAL_PROCESSOR_CORE', value: 16 }], errors: [] })
})

t.test('dates', async t => {
  t.equal(parseDailyDate('3/1/2020'), '2020-03-01')
  t.equal(parseDailyDate('12/31/2020'), '2020-12-31')
  t.equal(parseDailyDate(' 2020-02-29 '), '2020-02-29')
  t.equal(parseDailyDate('2/29/2024'), '2024-02-29')
  t.equal(parseDailyDate('2/29/2100'), undefined, '2100 is no leap year')
  t.equal(parseDailyDate('2/29/2000'), '2000-02-29', '2000 is')
  t.equal(parseDailyDate('2021-02-29'), undefined)
  t.equal(parseDailyDate('13/1/2020'), undefined)
  t.equal(parseDailyDate('2020-3-1'), undefined)
  t.equal(parseDailyDate('2020-03-01T00:00:00Z'), undefined)
  t.equal(parseDailyDate(''), undefined)
})

t.test('records: lone CR, quotes inside unquoted fields, no final newline', async t => {
  t.same(csvRecords('a,b\rc,"d\r\ne"\nx"y,"q"z').map(r => [r.fields, r.line]), [[['a', 'b'], 1], [['c', 'd\r\ne'], 2], [['x"y', 'qz'], 4]])
})

t.test('the simulator helper writes what the parser reads, in both date formats', async t => {
  const series = [{ name: 'IBM "MQ", Advanced', id: 'aa', metricName: 'VIRTUAL_PROCESSOR_CORE', values: { '2024-02-29': 3, '2024-03-01': 4.25 } }]
  for (const dateFormat of ['iso', 'us'] as const) {
    const r = parseDailyCsv(productsDailyCsv(series, { dateFormat, clusterId: 'c1' }))
    t.same(r.errors, [])
    t.same(r.rows.map(x => [x.productName, x.date, x.value]), [['IBM "MQ", Advanced', '2024-02-29', 3], ['IBM "MQ", Advanced', '2024-03-01', 4.25]], dateFormat)
  }
})
