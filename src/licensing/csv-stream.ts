/**
 * RFC 4180 records from a byte stream, chunk by chunk, in bounded memory: a CSV of any size is read with at
 * most one record held. Tolerant as IBM's files need: CRLF, LF or lone CR; a UTF-8 BOM; a quote inside an
 * unquoted field is kept literally; text after a closing quote is appended to the field. Fields are decoded
 * as UTF-8 only once whole, so a character split across chunks is never damaged.
 *
 * Fast path: a whole line without quotes or inner CRs (nearly every line of IBM's files) is decoded once and
 * split on commas; anything else goes through the quote-aware parser.
 *
 * Encodings that are not UTF-8 are refused up front with a reason a person understands (UTF-16 with or
 * without a byte order mark, binary data), instead of being read as one garbled record.
 */

/** One record: its fields and the physical line (1-based) it starts on. */
export interface CsvRecord {
  fields: string[]
  line: number
  /** The stream ended inside a quoted field. */
  unterminated: boolean
}

/** Why a stream cannot be read as CSV at all. */
export class CsvError extends Error {
  constructor (readonly reason: 'encoding' | 'record_too_long', message: string) { super(message) }
}

/** Limits per record. */
export interface CsvLimits {
  /** Most bytes of one record (a daily row is about 100). */
  maxRecordBytes: number
  /** Most fields of one record. */
  maxFields: number
}

/** Defaults: far above any real `products_daily` row, far below what would strain memory. */
export const DEFAULT_CSV_LIMITS: Readonly<CsvLimits> = Object.freeze({ maxRecordBytes: 64 * 1024, maxFields: 1024 })

const QUOTE = 0x22
const COMMA = 0x2c
const CR = 0x0d
const LF = 0x0a
const EMPTY = Buffer.alloc(0)

/** One record parsed by the quote-aware path, and where the next one starts. */
interface Parsed { fields: string[], next: number, lines: number, unterminated: boolean, endsWithCr: boolean }

/**
 * Push chunks, then call {@link end}; records go to `onRecord` as soon as they are whole. `push` and `end`
 * throw a {@link CsvError} when the stream is not CSV that can be read (then stop feeding it).
 */
export class CsvReader {
  readonly #onRecord: (r: CsvRecord) => void
  readonly #limits: CsvLimits
  /** Bytes of a record not yet whole. */
  #pending: Buffer = EMPTY
  /** The last record ended with a CR at the end of a chunk: an LF starting the next one belongs to it. */
  #skipLf = false
  #line = 1
  #first = true
  /**
   * Set by a consumer that can tell from a line's bytes that it does not need the record (e.g. a day already
   * known from a newer snapshot): a plain line (no quotes) for which it returns false is skipped undecoded.
   */
  peek: ((line: Buffer, start: number, end: number) => boolean) | undefined

  constructor (onRecord: (r: CsvRecord) => void, limits: Partial<CsvLimits> = {}) {
    this.#onRecord = onRecord
    this.#limits = { ...DEFAULT_CSV_LIMITS, ...limits }
  }

  /** Feed the next bytes. */
  push (chunk: Buffer): void {
    let buf = chunk
    if (buf.length === 0) return
    if (this.#first) {
      this.#first = false
      checkEncoding(buf)
      if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3)
    }
    if (buf.includes(0)) throw new CsvError('encoding', 'the file holds NUL bytes: it is binary or UTF-16 text, not UTF-8 CSV')
    const data = this.#pending.length > 0 ? Buffer.concat([this.#pending, buf]) : buf
    this.#pending = EMPTY
    let pos = 0
    if (this.#skipLf) {
      this.#skipLf = false
      if (data[0] === LF) pos = 1
    }
    // Next LF, quote and CR at or after `pos` (-1: none left): found again only once passed, so scanning stays
    // linear whatever the line endings.
    let nextLf = data.indexOf(LF, pos)
    let nextQuote = data.indexOf(QUOTE, pos)
    let nextCr = data.indexOf(CR, pos)
    while (pos < data.length) {
      if (nextLf >= 0 && nextLf < pos) nextLf = data.indexOf(LF, pos)
      const lf = nextLf
      if (lf >= 0) {
        const lineEnd = lf > pos && data[lf - 1] === CR ? lf - 1 : lf
        if (nextQuote >= 0 && nextQuote < pos) nextQuote = data.indexOf(QUOTE, pos)
        if (nextCr >= 0 && nextCr < pos) nextCr = data.indexOf(CR, pos)
        if ((nextQuote < 0 || nextQuote >= lf) && (nextCr < 0 || nextCr >= lineEnd)) {
          this.#check(lineEnd - pos)
          if (this.peek === undefined || this.peek(data, pos, lineEnd)) this.#emit(data.toString('utf8', pos, lineEnd).split(','), false, 1)
          else this.#line++
          pos = lf + 1
          continue
        }
      }
      const r = parseRecord(data, pos, false)
      if (r === undefined) {
        this.#check(data.length - pos)
        this.#pending = Buffer.from(data.subarray(pos))
        return
      }
      this.#check(r.next - pos)
      this.#emit(r.fields, r.unterminated, r.lines)
      pos = r.next
      if (r.endsWithCr && pos === data.length) this.#skipLf = true
    }
  }

  /** The stream ended: emit the last record (a record cut inside quotes is marked `unterminated`). */
  end (): void {
    let pos = 0
    const data = this.#pending
    this.#pending = EMPTY
    while (pos < data.length) {
      const r = parseRecord(data, pos, true)!
      this.#emit(r.fields, r.unterminated, r.lines)
      pos = r.next
    }
  }

  #check (bytes: number): void {
    if (bytes > this.#limits.maxRecordBytes) {
      throw new CsvError('record_too_long', `record at line ${this.#line} is longer than ${this.#limits.maxRecordBytes} bytes (an unclosed quote?)`)
    }
  }

  #emit (fields: string[], unterminated: boolean, lines: number): void {
    if (fields.length > this.#limits.maxFields) {
      throw new CsvError('record_too_long', `record at line ${this.#line} has more than ${this.#limits.maxFields} fields`)
    }
    const record = { fields, line: this.#line, unterminated }
    this.#line += lines
    this.#onRecord(record)
  }
}

/**
 * One record from `pos` with quotes and any line ending; undefined when `data` ends before the record does
 * (unless `final`, when the rest is the last record).
 */
function parseRecord (data: Buffer, pos: number, final: boolean): Parsed | undefined {
  const fields: string[] = []
  let field = ''
  let mark = pos
  let inQuotes = false
  let quoted = false
  let lines = 0
  const take = (to: number): void => { if (to > mark) field += data.toString('utf8', mark, to) }
  for (let i = pos; i < data.length; i++) {
    const c = data[i]!
    if (inQuotes) {
      if (c === QUOTE) {
        if (i + 1 >= data.length && !final) return undefined
        take(i)
        if (data[i + 1] === QUOTE) { mark = i + 1; i++ } else { inQuotes = false; mark = i + 1 }
      } else if (c === LF || (c === CR && data[i + 1] !== LF)) lines++
      continue
    }
    if (c === QUOTE && !quoted && field === '' && mark === i) {
      quoted = true
      inQuotes = true
      mark = i + 1
    } else if (c === COMMA) {
      take(i)
      fields.push(field)
      field = ''
      quoted = false
      mark = i + 1
    } else if (c === CR || c === LF) {
      take(i)
      fields.push(field)
      const crlf = c === CR && data[i + 1] === LF
      return { fields, next: crlf ? i + 2 : i + 1, lines: lines + 1, unterminated: false, endsWithCr: c === CR && !crlf }
    }
  }
  if (!final) return undefined
  take(data.length)
  fields.push(field)
  return { fields, next: data.length, lines, unterminated: inQuotes, endsWithCr: false }
}

/** Refuse UTF-16 (with a byte order mark, or ASCII text with every other byte NUL) before reading any record. */
function checkEncoding (head: Buffer): void {
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) {
    throw new CsvError('encoding', `the file is UTF-16 text (byte order mark ${head[0] === 0xff ? 'FF FE' : 'FE FF'}): IBM's files are UTF-8; convert it to UTF-8`)
  }
  if (head.length >= 4 && (head[1] === 0 || head[0] === 0) && (head[3] === 0 || head[2] === 0)) {
    throw new CsvError('encoding', 'the file looks like UTF-16 text without a byte order mark (every other byte is NUL): convert it to UTF-8')
  }
}

/** All records of a whole text (tests and small inputs). */
export function csvRecords (text: string | Buffer, limits: Partial<CsvLimits> = {}): CsvRecord[] {
  const out: CsvRecord[] = []
  const reader = new CsvReader(r => out.push(r), limits)
  reader.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text)
  reader.end()
  return out
}
