import { constants, crc32, deflateRawSync } from 'node:zlib'
import t from 'tap'
import { isDailyEntry, type ZipLimits } from '../../src/licensing/zip.js'
import { readSnapshotRows } from '../fixtures/snapshot-rows.js'
import { deflated, makeZip, zipOf, type ZipItem as Item } from '../simulator/zip.js'

const readDailyEntries = (buffer: Buffer, limits: Partial<ZipLimits> = {}) => readSnapshotRows({ buffer }, limits)

const MiB = 1024 * 1024
/** Raw deflate of `mib` MiB of zeros, built from one full-flushed 1 MiB block repeated: no need to hold it inflated. */
/** Raw deflate of `mib` MiB of one byte repeated (blank lines by default), from one full-flushed 1 MiB block: never held inflated. */
function blanks (mib: number, fill = 0x0a): Buffer {
  const block = deflateRawSync(Buffer.alloc(MiB, fill), { finishFlush: constants.Z_FULL_FLUSH })
  return Buffer.concat([...Array.from({ length: mib }, () => block), Buffer.from([0x03, 0x00])])
}

const CSV = 'name,id,metricName,metricQuantityDate,metricQuantity\r\nIBM MQ,aa,VIRTUAL_PROCESSOR_CORE,2020-03-01,4\r\n'

t.test('entry names: products_daily_*.csv anywhere in the zip, nothing else', async t => {
  t.ok(isDailyEntry('products_daily_2020-03-01_2020-03-31_host.csv'))
  t.ok(isDailyEntry('snapshot/2020/PRODUCTS_DAILY_x.CSV'))
  t.notOk(isDailyEntry('bundled_products_daily_2020.csv'), 'bundled products are never counted')
  t.notOk(isDailyEntry('products_2020.csv'))
  t.notOk(isDailyEntry('products_daily_x.csv/'))
  t.notOk(isDailyEntry('products_daily_x.csv.sig'))
})

t.test('reads the matching entries (stored or deflated), skips the others', async t => {
  const zip = zipOf([
    deflated('data_condition.txt', 'period: 2020-03-01 - 2020-03-31\n'),
    deflated('reports/products_daily_2020-03-01_2020-03-31_c1.csv', `\ufeff${CSV}`),
    deflated('bundled_products_daily_2020-03-01_2020-03-31_c1.csv', 'x'),
    { name: 'products_daily_b.csv', data: Buffer.from(CSV), method: 0, size: Buffer.byteLength(CSV), crc: crc32(CSV) },
  ])
  const r = await readDailyEntries(zip)
  t.ok(r.ok)
  if (r.ok) {
    t.same(r.info.dailyFiles, ['reports/products_daily_2020-03-01_2020-03-31_c1.csv', 'products_daily_b.csv'])
    t.same(r.rows.map(x => [x.productName, x.date, x.value]), [['IBM MQ', '2020-03-01', 4], ['IBM MQ', '2020-03-01', 4]], 'BOM or not, each file read')
    t.same(r.info.dataCondition, { periodFrom: '2020-03-01', periodTo: '2020-03-31' })
  }
  const sim = await readDailyEntries(makeZip({ 'checksum.txt': 'x', 'products_daily_p.csv': CSV }))
  t.same(sim.ok && [sim.info.dailyFiles, sim.rows.length, sim.errors], [['products_daily_p.csv'], 1, []])
})

t.test('zip bomb: a 300 MiB entry in a few hundred KB is refused, whatever its header says', async t => {
  const bomb = blanks(300)
  t.ok(bomb.length < 1 * MiB, `compressed to ${bomb.length} bytes`)
  const honest = await readDailyEntries(zipOf([{ name: 'products_daily_bomb.csv', data: bomb, method: 8, size: 300 * MiB, crc: 0 }]))
  t.same(honest.ok ? 'read' : [honest.reason], ['zip_bomb'])
  if (!honest.ok) t.match(honest.message, /products_daily_bomb\.csv declares 300 MiB uncompressed, more than the limit of 64 MiB per entry/)
  const lying = await readDailyEntries(zipOf([{ name: 'products_daily_bomb.csv', data: bomb, method: 8, size: 1000, crc: 0 }]))
  t.same(lying.ok ? 'read' : [lying.reason], ['zip_bomb'])
  if (!lying.ok) t.match(lying.message, /products_daily_bomb\.csv holds \d+ compressed bytes for 1000 declared: its header understates its size/)
  // Compressed data that fits the declared size but inflates beyond it is caught while inflating.
  const inflating = await readDailyEntries(zipOf([{ name: 'products_daily_x.csv', data: deflateRawSync(Buffer.alloc(64 * 1024, 0x0a)), method: 8, size: 1000, crc: 0 }]))
  t.same(inflating.ok ? 'read' : [inflating.reason], ['zip_bomb'])
  if (!inflating.ok) t.match(inflating.message, /inflates beyond its declared 1000 bytes/)
})

t.test('zip bomb: the total of the matching entries is counted while inflating', async t => {
  const item = (name: string, fill = 0x0a): Item => ({ name, data: blanks(6, fill), method: 8, size: 6 * MiB, crc: crc32(Buffer.alloc(6 * MiB, fill)) })
  const limits = { maxEntryBytes: 8 * MiB, maxTotalBytes: 10 * MiB }
  t.ok((await readDailyEntries(zipOf([item('products_daily_1.csv')]), limits)).ok, 'one entry fits')
  const r = await readDailyEntries(zipOf([item('products_daily_1.csv'), item('products_daily_2.csv', 0x0d)]), limits)
  t.same(r.ok ? 'read' : [r.reason], ['zip_bomb'])
  if (!r.ok) t.match(r.message, /more than the limit of 10 MiB in total \(6 MiB before products_daily_2\.csv\)/)
  const skipped = await readDailyEntries(zipOf([item('products_daily_1.csv'), item('other.bin', 0x0d), item('other2.bin', 0x20)]), limits)
  t.ok(skipped.ok, 'entries that do not match are never inflated')
  const copies = await readDailyEntries(zipOf([item('products_daily_1.csv'), item('copy/products_daily_1.csv')]), limits)
  t.same(copies.ok && [copies.info.dailyFiles, copies.info.duplicates], [['products_daily_1.csv'], ['copy/products_daily_1.csv']], 'an identical copy is read once, and counts once')
})

t.test('zip bomb: too many entries', async t => {
  const files: Record<string, string> = {}
  for (let i = 0; i <= 10_000; i++) files[`f${i}`] = ''
  const r = await readDailyEntries(makeZip(files))
  t.same(r, { ok: false, reason: 'zip_bomb', message: 'the zip holds 10001 entries, more than the limit of 10000 (a real snapshot holds a handful)' })
  const atLimit = await readDailyEntries(makeZip({ a: '', b: '', 'products_daily_c.csv': CSV }), { maxEntries: 3 })
  t.ok(atLimit.ok, 'at the limit is fine')
})

t.test('invalid zips are values, never exceptions', async t => {
  const good = zipOf([deflated('products_daily_a.csv', CSV)])
  const cases: Array<[string, Buffer]> = [
    ['empty buffer', Buffer.alloc(0)],
    ['not a zip', Buffer.from('<html>Unauthorized</html>')],
    ['truncated', good.subarray(0, good.length - 10)],
    ['damaged deflate data', zipOf([{ ...deflated('products_daily_a.csv', CSV), data: Buffer.from([0xff, 0xff, 0xff, 0xff]) }])],
    ['CRC mismatch', zipOf([{ ...deflated('products_daily_a.csv', CSV), crc: 1234 }])],
    ['shorter than declared', zipOf([{ ...deflated('products_daily_a.csv', CSV), size: 5000 }])],
    ['unsupported method', zipOf([{ ...deflated('products_daily_a.csv', CSV), method: 12 as 8 }])],
  ]
  for (const [what, buf] of cases) {
    const r = await readDailyEntries(buf)
    t.same(r.ok ? 'read' : r.reason, 'invalid_zip', what)
    if (!r.ok) t.ok(r.message.length > 0, `${what}: ${r.message}`)
  }
})
