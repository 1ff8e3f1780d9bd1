import { constants, crc32, deflateRawSync } from 'node:zlib'
import t from 'tap'
import { isDailyEntry, readDailyEntries } from '../../src/licensing/zip.js'
import { makeZip } from '../simulator/zip.js'

interface Item {
  name: string
  /** Raw deflate data (method 8) or stored data (method 0). */
  data: Buffer
  method: 0 | 8
  /** Declared uncompressed size and CRC (may lie). */
  size: number
  crc: number
}

/** A zip writer that can deflate and can lie in its headers. */
function zipOf (items: readonly Item[]): Buffer {
  const parts: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const it of items) {
    const name = Buffer.from(it.name)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x0800, 6)
    local.writeUInt16LE(it.method, 8)
    local.writeUInt32LE(it.crc >>> 0, 14)
    local.writeUInt32LE(it.data.length, 18)
    local.writeUInt32LE(it.size, 22)
    local.writeUInt16LE(name.length, 26)
    const cd = Buffer.alloc(46)
    cd.writeUInt32LE(0x02014b50, 0)
    cd.writeUInt16LE(20, 4)
    cd.writeUInt16LE(20, 6)
    cd.writeUInt16LE(0x0800, 8)
    cd.writeUInt16LE(it.method, 10)
    cd.writeUInt32LE(it.crc >>> 0, 16)
    cd.writeUInt32LE(it.data.length, 20)
    cd.writeUInt32LE(it.size, 24)
    cd.writeUInt16LE(name.length, 28)
    cd.writeUInt32LE(offset, 42)
    parts.push(local, name, it.data)
    central.push(cd, name)
    offset += 30 + name.length + it.data.length
  }
  const cd = Buffer.concat(central)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(items.length, 8)
  end.writeUInt16LE(items.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...parts, cd, end])
}

const deflated = (name: string, text: string): Item => {
  const raw = Buffer.from(text)
  return { name, data: deflateRawSync(raw), method: 8, size: raw.length, crc: crc32(raw) }
}

const MiB = 1024 * 1024
/** Raw deflate of `mib` MiB of zeros, built from one full-flushed 1 MiB block repeated: no need to hold it inflated. */
function zeros (mib: number): Buffer {
  const block = deflateRawSync(Buffer.alloc(MiB), { finishFlush: constants.Z_FULL_FLUSH })
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
    t.same(r.entries.map(e => e.name), ['reports/products_daily_2020-03-01_2020-03-31_c1.csv', 'products_daily_b.csv'])
    t.equal(r.entries[0]!.text, `\ufeff${CSV}`, 'text decoded as UTF-8, BOM left to the CSV parser')
    t.equal(r.entries[1]!.text, CSV)
  }
  const sim = await readDailyEntries(makeZip({ 'checksum.txt': 'x', 'products_daily_p.csv': CSV }))
  t.same(sim, { ok: true, entries: [{ name: 'products_daily_p.csv', text: CSV }] })
})

t.test('zip bomb: a 300 MiB entry in a few hundred KB is refused, whatever its header says', async t => {
  const bomb = zeros(300)
  t.ok(bomb.length < 1 * MiB, `compressed to ${bomb.length} bytes`)
  const honest = await readDailyEntries(zipOf([{ name: 'products_daily_bomb.csv', data: bomb, method: 8, size: 300 * MiB, crc: 0 }]))
  t.same(honest.ok ? 'read' : [honest.reason], ['zip_bomb'])
  if (!honest.ok) t.match(honest.message, /products_daily_bomb\.csv declares 300 MiB uncompressed, more than the limit of 64 MiB per entry/)
  const lying = await readDailyEntries(zipOf([{ name: 'products_daily_bomb.csv', data: bomb, method: 8, size: 1000, crc: 0 }]))
  t.same(lying.ok ? 'read' : [lying.reason], ['zip_bomb'])
  if (!lying.ok) t.match(lying.message, /inflates beyond its declared 1000 bytes/)
})

t.test('zip bomb: the total of the matching entries is counted while inflating', async t => {
  const six = zeros(6)
  const item = (name: string): Item => ({ name, data: six, method: 8, size: 6 * MiB, crc: crc32(Buffer.alloc(6 * MiB)) })
  const limits = { maxEntryBytes: 8 * MiB, maxTotalBytes: 10 * MiB }
  t.ok((await readDailyEntries(zipOf([item('products_daily_1.csv')]), limits)).ok, 'one entry fits')
  const r = await readDailyEntries(zipOf([item('products_daily_1.csv'), item('products_daily_2.csv')]), limits)
  t.same(r.ok ? 'read' : [r.reason], ['zip_bomb'])
  if (!r.ok) t.match(r.message, /more than the limit of 10 MiB in total \(6 MiB before products_daily_2\.csv\)/)
  const skipped = await readDailyEntries(zipOf([item('products_daily_1.csv'), item('other.bin'), item('other2.bin')]), limits)
  t.ok(skipped.ok, 'entries that do not match are never inflated')
})

t.test('zip bomb: too many entries', async t => {
  const files: Record<string, string> = {}
  for (let i = 0; i <= 10_000; i++) files[`f${i}`] = ''
  const r = await readDailyEntries(makeZip(files))
  t.same(r, { ok: false, reason: 'zip_bomb', message: 'zip holds 10001 entries, more than the limit of 10000' })
  t.ok((await readDailyEntries(makeZip({ a: '', b: '', c: '' }), { maxEntries: 3 })).ok, 'at the limit is fine')
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
