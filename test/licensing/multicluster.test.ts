import { readFileSync } from 'node:fs'
import t from 'tap'
import { multiclusterCsv } from '../../src/licensing/csv.js'
import { parseDailyCsv, type DailyRow } from '../../src/licensing/daily.js'
import { currentPeak, mergeArchives, multiclusterReport, type ClusterInput, type CurrentPeak } from '../../src/licensing/multicluster.js'
import { daysOf, parseWindow } from '../../src/licensing/period.js'
import { readSnapshotRows } from '../fixtures/snapshot-rows.js'
import { daysEnding, peakingValues, productsDailyCsv } from '../simulator/daily.js'
import { makeZip } from '../simulator/zip.js'

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/ibm-daily/${name}`, import.meta.url), 'utf8')
const C1 = fixture('products_daily_2020-03-01_2020-03-05_cluster1.csv')
const C2 = fixture('products_daily_2020-03-01_2020-03-05_cluster2.csv')
const WINDOW = { from: '2020-03-01', to: '2020-03-05' }
const CP4I = 'IBM Cloud Pak for Integration'
const CP4I_ID = 'c8b82d189e7545f0892db9ef2731b90d'
const VPC = 'VIRTUAL_PROCESSOR_CORE'

const rows = (text: string): DailyRow[] => {
  const r = parseDailyCsv(text)
  if (r.errors.length > 0) throw new Error(JSON.stringify(r.errors))
  return r.rows
}
const cluster = (name: string, archives: Array<{ archiveTimeMs: number, rows: DailyRow[] }>, current: CurrentPeak[] = []): ClusterInput =>
  ({ cluster: name, daily: mergeArchives(archives), current })
const row = (_cluster: string, date: string, value: number, product = CP4I, metric = VPC, id = CP4I_ID): DailyRow =>
  ({ date, productName: product, productId: id, metric, value })

t.test("IBM's worked example: peak 54 on 2020-03-04, upper bound 55", async t => {
  const report = multiclusterReport({
    window: WINDOW,
    clusters: [cluster('cluster1', [{ archiveTimeMs: 1, rows: rows(C1) }]), cluster('cluster2', [{ archiveTimeMs: 1, rows: rows(C2) }])],
    entitlements: [{ product: CP4I, unit: VPC, quota: 54 }],
  })
  t.same(report, {
    from: '2020-03-01',
    to: '2020-03-05',
    complete: true,
    clusters: [
      { cluster: 'cluster1', source: 'daily', days_covered: 5, missing: [], unreadable: [] },
      { cluster: 'cluster2', source: 'daily', days_covered: 5, missing: [], unreadable: [] },
    ],
    rows: [{
      product: CP4I, product_id: CP4I_ID, metric: VPC, peak: 54, peak_date: '2020-03-04', sum_of_cluster_peaks: 55,
      complete: true, missing_clusters: [], missing: [],
      clusters: [
        { cluster: 'cluster1', peak: 30, peak_date: '2020-03-02', on_peak_date: 29, source: 'daily' },
        { cluster: 'cluster2', peak: 25, peak_date: '2020-03-04', on_peak_date: 25, source: 'daily' },
      ],
      entitlement: 54, remaining: 0, compliant: true,
    }],
  })
  const csv = multiclusterCsv(report).split('\r\n')
  t.equal(csv[0], 'product,product_id,metric,peak,peak_date,sum_of_cluster_peaks,complete,entitlement,remaining,compliant,from,to,missing,' +
    'cluster1 peak,cluster1 peak_date,cluster1 on peak_date,cluster2 peak,cluster2 peak_date,cluster2 on peak_date')
  t.equal(csv[1], `${CP4I},${CP4I_ID},${VPC},54,2020-03-04,55,true,54,0,true,2020-03-01,2020-03-05,,30,2020-03-02,29,25,2020-03-04,25`)
  t.equal(csv.length, 3, 'header, one row, final CRLF')
})

t.test('the worked example from snapshot zips, through the zip reader and the parser', async t => {
  const clusters: ClusterInput[] = []
  for (const [name, text] of [['cluster1', C1], ['cluster2', C2]] as const) {
    const zip = makeZip({ 'data_condition.txt': 'x', [`products_daily_2020-03-01_2020-03-05_${name}.csv`]: text, 'checksum.txt': 'y' })
    const read = await readSnapshotRows({ buffer: zip })
    if (!read.ok) throw new Error(read.message)
    clusters.push(cluster(name, [{ archiveTimeMs: 1, rows: read.rows }]))
  }
  const window = parseWindow({ from: '2020-03-01', to: '2020-03-05' }, Date.parse('2026-01-01T00:00:00Z'))
  if (!window.ok) throw new Error(window.message)
  const r = multiclusterReport({ window: window.window, clusters, entitlements: [] }).rows[0]!
  t.same([r.peak, r.peak_date, r.sum_of_cluster_peaks, r.complete], [54, '2020-03-04', 55, true])
})

t.test('compliance compares peak, not the upper bound', async t => {
  const clusters = [cluster('cluster1', [{ archiveTimeMs: 1, rows: rows(C1) }]), cluster('cluster2', [{ archiveTimeMs: 1, rows: rows(C2) }])]
  const at = (quota: number): unknown => {
    const r = multiclusterReport({ window: WINDOW, clusters, entitlements: [{ product_id: CP4I_ID, unit: VPC, quota }] }).rows[0]!
    return [r.entitlement, r.remaining, r.compliant]
  }
  t.same(at(54), [54, 0, true], 'compliant at 54 though the upper bound is 55')
  t.same(at(53.5), [53.5, -0.5, false])
})

t.test('a cluster missing a day makes the report incomplete and names the day', async t => {
  const gap = rows(C2).filter(r => r.date !== '2020-03-03')
  const report = multiclusterReport({
    window: WINDOW,
    clusters: [cluster('cluster1', [{ archiveTimeMs: 1, rows: rows(C1) }]), cluster('cluster2', [{ archiveTimeMs: 1, rows: gap }])],
    entitlements: [],
  })
  t.equal(report.complete, false)
  t.same(report.clusters[1], { cluster: 'cluster2', source: 'daily', days_covered: 4, missing: ['2020-03-03'], unreadable: [] })
  const r = report.rows[0]!
  t.same([r.complete, r.missing_clusters, r.missing], [false, ['cluster2'], []], 'the row names the cluster; its days are stated once, in clusters[]')
  t.same([r.peak, r.peak_date, r.sum_of_cluster_peaks], [54, '2020-03-04', 55], 'known days still give the figures')
  t.same(r.clusters[1], { cluster: 'cluster2', peak: 25, peak_date: '2020-03-04', on_peak_date: 25, source: 'daily' })

  const late = multiclusterReport({ window: { from: '2020-03-01', to: '2020-03-06' }, clusters: [cluster('cluster1', [{ archiveTimeMs: 1, rows: rows(C1) }])], entitlements: [] })
  t.same([late.rows[0]!.missing_clusters, late.clusters[0]!.missing], [['cluster1'], ['2020-03-06']], 'a day after the last snapshot is missing too')
})

t.test('on a covered day a product without a row counts 0; on peak date a cluster without data contributes null', async t => {
  const a = [row('a', '2020-03-01', 10), row('a', '2020-03-02', 1, 'IBM MQ', 'PROCESSOR_VALUE_UNIT', 'mq')]
  const b = [row('b', '2020-03-01', 4, 'IBM MQ', 'PROCESSOR_VALUE_UNIT', 'mq'), row('b', '2020-03-02', 3, 'IBM MQ', 'PROCESSOR_VALUE_UNIT', 'mq')]
  const report = multiclusterReport({
    window: { from: '2020-03-01', to: '2020-03-02' },
    clusters: [cluster('a', [{ archiveTimeMs: 1, rows: a }]), cluster('b', [{ archiveTimeMs: 1, rows: b }])],
    entitlements: [],
  })
  t.equal(report.complete, true)
  const mq = report.rows.find(r => r.product === 'IBM MQ')!
  t.same([mq.peak, mq.peak_date, mq.sum_of_cluster_peaks], [4, '2020-03-01', 5], 'a has no MQ row on 03-01: 0, so 0+4 vs 1+3, earliest wins the tie')
  t.same(mq.clusters.map(c => [c.cluster, c.peak, c.peak_date, c.on_peak_date]), [['a', 1, '2020-03-02', 0], ['b', 4, '2020-03-01', 4]])
  const cp = report.rows.find(r => r.product === CP4I)!
  t.same(cp.clusters.map(c => c.cluster), ['a'], 'clusters that never used the product are not listed')
  t.same([cp.peak, cp.sum_of_cluster_peaks], [10, 10])
})

t.test('newest archive wins per cluster and day', async t => {
  const older = { archiveTimeMs: 1000, rows: [row('c', '2020-03-01', 5), row('c', '2020-03-02', 6), row('c', '2020-03-02', 7, 'IBM MQ', VPC, 'mq')] }
  const newer = { archiveTimeMs: 2000, rows: [row('c', '2020-03-02', 9), row('c', '2020-03-03', 2)] }
  for (const order of [[older, newer], [newer, older]]) {
    const merged = mergeArchives(order)
    t.same([...merged.keys()].sort(), ['2020-03-01', '2020-03-02', '2020-03-03'])
    t.same(merged.get('2020-03-02')!.map(r => [r.productName, r.value]), [[CP4I, 9]], "the newer archive's day replaces all of the older one's rows for that day")
    t.same(merged.get('2020-03-01')!.map(r => r.value), [5], 'days only the older archive has are kept')
  }
  const r = multiclusterReport({ window: { from: '2020-03-01', to: '2020-03-03' }, clusters: [cluster('c', [older, newer])], entitlements: [] })
  t.same(r.rows.map(x => [x.product, x.peak, x.peak_date]), [[CP4I, 9, '2020-03-02']], 'MQ of the replaced day is gone')
  t.same(mergeArchives([{ archiveTimeMs: 1, rows: [] }]).size, 0, 'an empty file covers nothing')
})

t.test('a cluster without daily data counts with its /products peak in the upper bound only', async t => {
  const current = [currentPeak({ product: CP4I, product_id: CP4I_ID, unit: VPC, quantity: 12, peak: Date.parse('2020-02-20T00:00:00Z') / 1000 })]
  const report = multiclusterReport({
    window: WINDOW,
    clusters: [
      cluster('cluster1', [{ archiveTimeMs: 1, rows: rows(C1) }]), cluster('cluster2', [{ archiveTimeMs: 1, rows: rows(C2) }]),
      cluster('cluster3', [], current),
      cluster('cluster4', [{ archiveTimeMs: 1, rows: [row('x', '2019-12-31', 99)] }], [{ product: CP4I, product_id: CP4I_ID, unit: VPC, quantity: 1, peak_date: null }]),
    ],
    entitlements: [],
  })
  const r = report.rows[0]!
  t.same([r.peak, r.peak_date, r.sum_of_cluster_peaks, r.complete], [54, '2020-03-04', 68, false])
  t.same(r.clusters.slice(2), [
    { cluster: 'cluster3', peak: 12, peak_date: '2020-02-20', on_peak_date: null, source: 'products' },
    { cluster: 'cluster4', peak: 1, peak_date: null, on_peak_date: null, source: 'products' },
  ], 'archives outside the window do not count as daily data')
  t.same([r.missing_clusters, r.missing], [['cluster3', 'cluster4'], []])
  t.same(report.clusters[2]!.missing, [`${daysOf(WINDOW)[0]}/${daysOf(WINDOW).at(-1)}`], 'a whole window missing: one range')
  t.same(report.clusters.map(c => c.source), ['daily', 'daily', 'products', 'products'])

  const at = (quota: number): unknown[] => {
    const none = multiclusterReport({ window: WINDOW, clusters: [cluster('cluster3', [], current)], entitlements: [{ product: CP4I, unit: VPC, quota }] }).rows[0]!
    return [none.peak, none.peak_date, none.sum_of_cluster_peaks, none.entitlement, none.remaining, none.compliant]
  }
  t.same(at(20), [null, null, 12, 20, null, true], 'no daily data anywhere: no peak; compliant, since even the upper bound is within the entitlement')
  t.same(at(10), [null, null, 12, 10, null, null], 'the upper bound over the entitlement: unknown, not compliant')
})

t.test('a daily file without ids takes the single id known for the name and metric', async t => {
  const noId = rows(C1).map(r => ({ ...r, productId: '' }))
  const r = multiclusterReport({ window: WINDOW, clusters: [cluster('cluster1', [{ archiveTimeMs: 1, rows: noId }]), cluster('cluster2', [{ archiveTimeMs: 1, rows: rows(C2) }])], entitlements: [] })
  t.same(r.rows.map(x => [x.product_id, x.peak, x.sum_of_cluster_peaks]), [[CP4I_ID, 54, 55]])
})

t.test('entitlements: several rows under one, none at all, units apart', async t => {
  const a = [row('a', '2020-03-01', 10, 'Db2', VPC, 'id1'), row('a', '2020-03-02', 2, 'Db2', VPC, 'id1'), row('a', '2020-03-01', 500, 'Db2', 'PROCESSOR_VALUE_UNIT', 'id1')]
  const b = [row('b', '2020-03-01', 1, 'Db2', VPC, 'id2'), row('b', '2020-03-02', 9, 'Db2', VPC, 'id2')]
  const report = multiclusterReport({
    window: { from: '2020-03-01', to: '2020-03-02' },
    clusters: [cluster('a', [{ archiveTimeMs: 1, rows: a }]), cluster('b', [{ archiveTimeMs: 1, rows: b }])],
    entitlements: [{ product: 'Db2', unit: VPC, quota: 11 }, { product: 'IBM MQ', unit: VPC, quota: 4 }],
  })
  t.same(report.rows.map(r => [r.product, r.product_id, r.metric, r.peak, r.entitlement, r.remaining, r.compliant]), [
    ['Db2', 'id1', 'PROCESSOR_VALUE_UNIT', 500, null, null, null],
    ['Db2', 'id1', VPC, 10, 11, 0, true],
    ['Db2', 'id2', VPC, 9, 11, 0, true],
    ['IBM MQ', '', VPC, 0, 4, 4, true],
  ], 'Db2 VPC: combined daily sums 11 and 11, so remaining 0 (the per-row peaks 10 + 9 would say -8)')
})

t.test('simulated clusters peaking on different days: peak below the upper bound', async t => {
  const days = daysEnding('2026-09-30', 92)
  const input = [['east', 40, 70, 10], ['west', 30, 60, 50], ['lab', 5, 20, 80]] as const
  const clusters = input.map(([name, base, peak, day]) => {
    const text = productsDailyCsv([{ name: CP4I, id: CP4I_ID, metricName: VPC, values: peakingValues(days, base, peak, day) }], { dateFormat: 'us', clusterId: name })
    return cluster(name, [{ archiveTimeMs: 1, rows: rows(text) }])
  })
  const r = multiclusterReport({ window: { from: '2026-07-01', to: '2026-09-30' }, clusters, entitlements: [] })
  const p = r.rows[0]!
  t.equal(r.complete, true)
  t.equal(p.sum_of_cluster_peaks, 150)
  t.ok(p.peak !== null && p.peak < 150 && p.peak >= 70, `peak ${p.peak} on ${p.peak_date}, upper bound 150`)
})

t.test('CSV: quoting, formula guard, missing days, empty cells', async t => {
  const evil = '=HYPERLINK("x"), "quoted"'
  const report = multiclusterReport({
    window: { from: '2020-03-01', to: '2020-03-02' },
    clusters: [cluster('-a', [{ archiveTimeMs: 1, rows: [row('a', '2020-03-01', 1.5, evil, VPC, 'id')] }]), cluster('b', [])],
    entitlements: [],
  })
  const lines = multiclusterCsv(report).split('\r\n')
  t.equal(lines[0]!.split(',').slice(13).join(','), "'-a peak,'-a peak_date,'-a on peak_date,b peak,b peak_date,b on peak_date")
  t.equal(lines[1], `"'=HYPERLINK(""x""), ""quoted""",id,${VPC},1.5,2020-03-01,1.5,false,,,,2020-03-01,2020-03-02,'-a: 1 days; b: 2 days,1.5,2020-03-01,1.5,,,`)
})

t.test('a product used only on a cluster without daily data: compliance is unknown unless even the upper bound fits, false when the known peak is over', async t => {
  const fallback = [currentPeak({ product: 'IBM Db2', product_id: 'db2', unit: VPC, quantity: 16, peak: Date.parse('2020-03-02T00:00:00Z') / 1000 })]
  const at = (quota: number): unknown[] => {
    const r = multiclusterReport({
      window: WINDOW,
      clusters: [cluster('cluster1', [{ archiveTimeMs: 1, rows: rows(C1) }]), cluster('cluster3', [], fallback)],
      entitlements: [{ product: 'IBM Db2', unit: VPC, quota }],
    }).rows.find(x => x.product === 'IBM Db2')!
    return [r.peak, r.sum_of_cluster_peaks, r.complete, r.compliant]
  }
  t.same(at(10), [0, 16, false, null], 'peak 0 from the clusters with daily data, 16 on the other: not compliant-true')
  t.same(at(20), [0, 16, false, true], 'even the upper bound fits: compliant')
  const over = multiclusterReport({
    window: WINDOW,
    clusters: [cluster('cluster1', [{ archiveTimeMs: 1, rows: rows(C1) }]), cluster('cluster3', [], [currentPeak({ product: CP4I, product_id: CP4I_ID, unit: VPC, quantity: 5, peak: undefined })])],
    entitlements: [{ product: CP4I, unit: VPC, quota: 20 }],
  }).rows[0]!
  t.same([over.peak, over.compliant], [30, false], 'the known peak alone is over: false')
})
