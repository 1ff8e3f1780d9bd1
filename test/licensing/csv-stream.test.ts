/**
 * The streaming CSV reader gives the same records whatever the chunks (property-based: fields with quotes,
 * commas, line breaks of every kind and multi-byte characters, split at random bytes), refuses what is not
 * UTF-8 CSV with a reason, bounds a record, and lets a consumer skip plain lines undecoded.
 */
import fc from 'fast-check'
import t from 'tap'
import { CsvError, CsvReader, csvRecords, type CsvRecord } from '../../src/licensing/csv-stream.js'

const quote = (f: string): string => (/[",\r\n]/.test(f) || f.startsWith(' ') ? `"${f.replace(/"/g, '""')}"` : f)
const field = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('', 'a,b', 'say "hi"', 'two\r\nlines', 'cr\ronly', 'lf\nonly', 'Zürich 東京', '"', 'é')
)
const records = fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 12 })
  .filter(rs => rs.every(r => !(r.length === 1 && r[0] === '')))

function read (chunks: readonly Buffer[], peek?: CsvReader['peek']): CsvRecord[] {
  const out: CsvRecord[] = []
  const reader = new CsvReader(r => out.push(r))
  reader.peek = peek
  for (const c of chunks) reader.push(c)
  reader.end()
  return out
}

function split (buf: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map(c => c % (buf.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let last = 0
  for (const p of points) { out.push(buf.subarray(last, p)); last = p }
  out.push(buf.subarray(last))
  return out
}

t.test('any split of the bytes gives the records of the whole', async t => {
  await fc.assert(fc.property(records, fc.constantFrom('\r\n', '\n', '\r'), fc.boolean(), fc.array(fc.nat(), { maxLength: 8 }), (rs, eol, finalEol, cuts) => {
    const text = rs.map(r => r.map(quote).join(',')).join(eol) + (finalEol ? eol : '')
    const whole = read([Buffer.from(text)])
    t.same(whole.map(r => r.fields), rs, JSON.stringify(text))
    t.same(read(split(Buffer.from(text), cuts)), whole)
    return true
  }), { numRuns: 300 })
})

t.test('line numbers follow physical lines, line breaks inside quotes included', async t => {
  t.same(csvRecords('a\r\n"b\r\nc",d\ne\rf').map(r => [r.fields, r.line]), [[['a'], 1], [['b\r\nc', 'd'], 2], [['e'], 4], [['f'], 5]])
  for (let i = 1; i < 12; i++) {
    const text = Buffer.from('a\r\n"b\r\nc",d\ne\rf')
    t.same(read([text.subarray(0, i), text.subarray(i)]).map(r => r.line), [1, 2, 4, 5], `split at ${i}`)
  }
})

t.test('not UTF-8 CSV: refused with a reason', async t => {
  const utf16 = Buffer.from('name,id\r\n', 'utf16le')
  t.throws(() => read([Buffer.concat([Buffer.from([0xff, 0xfe]), utf16])]), { reason: 'encoding', message: /UTF-16 text \(byte order mark FF FE\)/ })
  t.throws(() => read([Buffer.from([0xfe, 0xff, 0, 0x61])]), { message: /byte order mark FE FF/ })
  t.throws(() => read([utf16]), { message: /UTF-16 text without a byte order mark/ })
  t.throws(() => read([Buffer.from('a,b\n'), Buffer.from([0x61, 0x00, 0x62])]), { message: /NUL bytes/ })
  t.ok(new CsvError('encoding', 'x') instanceof Error)
})

t.test('a record is bounded: an unclosed quote cannot swallow a big file', async t => {
  const reader = new CsvReader(() => undefined, { maxRecordBytes: 1024 })
  t.throws(() => { for (let i = 0; i < 100; i++) reader.push(Buffer.from('"' + 'x'.repeat(100))) }, { reason: 'record_too_long', message: /longer than 1024 bytes/ })
  t.throws(() => read([Buffer.from(`${','.repeat(2000)}\n`)]), { reason: 'record_too_long', message: /more than 1024 fields/ })
  const unterminated = csvRecords('a,b\n"c,d')
  t.same(unterminated.at(-1), { fields: ['c,d'], line: 2, unterminated: true })
})

t.test('peek: plain lines it refuses are skipped undecoded; quoted lines and line numbers are kept', async t => {
  const text = Buffer.from('h1,h2\nskip,1\n"keep, quoted",skip\nkeep,2\nskip,3')
  const seen: string[] = []
  const got = read([text], (buf, s, e) => { const line = buf.toString('utf8', s, e); seen.push(line); return !line.startsWith('skip') })
  t.same(got.map(r => [r.fields, r.line]), [[['h1', 'h2'], 1], [['keep, quoted', 'skip'], 3], [['keep', '2'], 4], [['skip', '3'], 5]], 'the last line has no line break: decoded as the end of the stream')
  t.same(seen, ['h1,h2', 'skip,1', 'keep,2'])
})
