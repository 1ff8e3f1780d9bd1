/**
 * IBM's `products_daily_*.csv` (the audit snapshot's daily usage, shared/docs/ibm-license-service.md,
 * `/snapshot`): one row per product, license metric and day. Records come from {@link CsvReader} one at a
 * time, so a file of any size is read in bounded memory. Errors are values.
 *
 * - Columns are found by header name (trimmed, case-insensitive), in any order; extra columns are ignored.
 *   Required: `name`, `metricName`, `metricQuantityDate` (`date` is accepted in its place), `metricQuantity`;
 *   optional: `id`. A header that is not comma-separated (`;`, tab, `|`) is named as such.
 * - Dates `YYYY-MM-DD` or `M/D/YYYY` (IBM's documented example), normalised to `YYYY-MM-DD`; the calendar
 *   date must exist.
 * - Quantities are plain non-negative decimals up to {@link MAX_QUANTITY}; anything else refuses the row.
 * - A bad row is reported with what could be read of it (product, metric, date), so the caller can make
 *   exactly that product and day unknown; the other rows are still returned.
 */
import { CsvReader, csvRecords, type CsvRecord } from './csv-stream.js'

export { csvRecords }

/** One day's usage of one product and license metric on one cluster. */
export interface DailyRow {
  /** `YYYY-MM-DD`. */
  date: string
  /** `name`: product or Cloud Pak name. */
  productName: string
  /** `id` where the file has that column, else `''`. */
  productId: string
  /** `metricName`: the license metric (the `unit` label elsewhere in the exporter). */
  metric: string
  /** `metricQuantity`. */
  value: number
}

/** Why a record was skipped (or, with `row` 1, why the whole file was), and what of it could be read. */
export interface DailyRowError {
  /** Record number, 1-based, the header being record 1. */
  row: number
  /** Physical line (1-based) the record starts on; differs from `row` when quoted fields hold line breaks. */
  line: number
  reason: string
  /** The row's product, metric and day where they could be read (to make just those unknown). */
  productName?: string
  productId?: string
  metric?: string
  date?: string
}

/** Result of parsing one file: the good rows and the errors of the bad ones. */
export interface DailyParse {
  rows: DailyRow[]
  errors: DailyRowError[]
}

/** Largest quantity accepted in one row: far above any real licence (a billion units), far below where sums lose precision. */
export const MAX_QUANTITY = 1e9

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Whether `year` is a Gregorian leap year. */
export function isLeapYear (year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
}

/** `YYYY-MM-DD` for a valid calendar date, else undefined. */
export function isoDate (year: number, month: number, day: number): string | undefined {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return undefined
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return undefined
  const max = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!
  if (day > max) return undefined
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

/** Dates seen lately (a file repeats a few hundred dates thousands of times). */
const dateCache = new Map<string, string | undefined>()

/** A daily CSV date (`YYYY-MM-DD` or `M/D/YYYY`, surrounding spaces allowed) as `YYYY-MM-DD`, else undefined. */
export function parseDailyDate (text: string): string | undefined {
  let hit = dateCache.get(text)
  if (hit !== undefined || dateCache.has(text)) return hit
  hit = parseDate(text)
  if (dateCache.size >= 4096) dateCache.clear()
  dateCache.set(text, hit)
  return hit
}

function parseDate (text: string): string | undefined {
  const t = text.trim()
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t)
  if (m !== null) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]))
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t)
  if (m !== null) return isoDate(Number(m[3]), Number(m[1]), Number(m[2]))
  return undefined
}

const NUMBER = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/
const COMMA_BYTE = 0x2c

/** Required columns (header name, lower case) and the accepted alternatives. */
const COLUMNS = {
  name: ['name'],
  metric: ['metricname'],
  date: ['metricquantitydate', 'date'],
  value: ['metricquantity'],
} as const

interface Columns { name: number, metric: number, date: number, value: number, id: number, count: number }

/** Where a header's columns are, or why it cannot be used. */
export function headerColumns (header: CsvRecord): { ok: true, columns: Columns } | { ok: false, reason: string } {
  if (header.unterminated) return { ok: false, reason: 'header: unterminated quoted field' }
  const names = header.fields.map(f => f.trim().toLowerCase())
  const find = (alts: readonly string[]): number => {
    for (const a of alts) {
      const i = names.indexOf(a)
      if (i >= 0) return i
    }
    return -1
  }
  const columns = { name: find(COLUMNS.name), metric: find(COLUMNS.metric), date: find(COLUMNS.date), value: find(COLUMNS.value), id: find(['id']), count: header.fields.length }
  const absent = (['name', 'metric', 'date', 'value'] as const).filter(k => columns[k] < 0).map(k => COLUMNS[k][0])
  if (absent.length === 0) return { ok: true, columns }
  if (header.fields.length === 1) {
    const only = header.fields[0]!
    for (const [sep, label] of [[';', 'semicolons'], ['\t', 'tabs'], ['|', 'vertical bars']] as const) {
      if (only.includes(sep) && only.toLowerCase().includes('metricname')) return { ok: false, reason: `header: the columns are separated by ${label}, not commas (a spreadsheet's regional export?): products_daily files are comma-separated` }
    }
  }
  return { ok: false, reason: `header: missing column ${absent.map(displayName).join(', ')}` }
}

/** Check one data record against the header's columns: a row, or an error with what could be read. */
export function dailyRow (r: CsvRecord, row: number, col: Columns): { ok: true, row: DailyRow } | { ok: false, error: DailyRowError } {
  const f = r.fields
  const name = col.name < f.length ? f[col.name]!.trim() : undefined
  const metric = col.metric < f.length ? f[col.metric]!.trim() : undefined
  const dateText = col.date < f.length ? f[col.date] : undefined
  const valueText = col.value < f.length ? f[col.value] : undefined
  const id = col.id >= 0 && col.id < f.length ? f[col.id]!.trim() : ''
  const date = dateText === undefined ? undefined : parseDailyDate(dateText)
  let reason: string | undefined
  let value = Number.NaN
  if (r.unterminated) reason = 'unterminated quoted field (file ends inside quotes)'
  else if (name === undefined || metric === undefined || dateText === undefined || valueText === undefined) reason = `too few fields (${f.length}, header has ${col.count})`
  else if (name === '') reason = 'empty name'
  else if (metric === '') reason = 'empty metricName'
  else if (date === undefined) reason = `bad date ${JSON.stringify(clip(dateText))} (want YYYY-MM-DD or M/D/YYYY)`
  else {
    const v = valueText.trim()
    value = NUMBER.test(v) ? Number(v) : Number.NaN
    if (Number.isNaN(value)) reason = `bad metricQuantity ${JSON.stringify(clip(valueText))} (want a non-negative number)`
    else if (!(value <= MAX_QUANTITY)) reason = `metricQuantity ${clip(v)} is out of range (0 to ${MAX_QUANTITY})`
  }
  if (reason === undefined) return { ok: true, row: { date: date!, productName: name!, productId: id, metric: metric!, value } }
  const error: DailyRowError = { row, line: r.line, reason }
  if (name !== undefined && name !== '' && metric !== undefined && metric !== '') Object.assign(error, { productName: name, productId: id, metric })
  if (date !== undefined) error.date = date
  return { ok: false, error }
}

/**
 * Rows of one file, record by record: the first non-blank record is the header. `onRow` gets each good row,
 * `onError` each bad one; a header that cannot be used stops the rows ({@link headerError}).
 */
export class DailyCsvParser {
  readonly #onRow: (row: DailyRow) => void
  readonly #onError: (e: DailyRowError) => void
  readonly #wanted: ((date: string) => boolean) | undefined
  #columns: Columns | undefined
  #header: DailyRowError | undefined
  #row = 0
  #reader: CsvReader | undefined

  /**
   * `wanted`, when given, is asked about each plain row's date text before the row is decoded: false skips
   * it (neither a row nor an error). Rows it cannot see (quoted) are decoded as usual.
   */
  constructor (onRow: (row: DailyRow) => void, onError: (e: DailyRowError) => void, wanted?: (date: string) => boolean) {
    this.#onRow = onRow
    this.#onError = onError
    this.#wanted = wanted
  }

  /** Why the header could not be used (then no row was read), if so. */
  get headerError (): DailyRowError | undefined { return this.#header }

  /** A {@link CsvReader} that feeds this parser. */
  reader (): CsvReader {
    this.#reader = new CsvReader(r => this.record(r))
    return this.#reader
  }

  /** Once the header is known: let the reader skip unwanted plain rows from their date field alone. */
  #peekDates (dateColumn: number): void {
    const wanted = this.#wanted
    if (wanted === undefined || this.#reader === undefined) return
    this.#reader.peek = (buf, start, end) => {
      // The date field's bounds, scanning this line only (never past `end`: lines are short, buffers are not).
      let s = start
      let column = 0
      let i = start
      for (; i < end; i++) {
        if (buf[i] !== COMMA_BYTE) continue
        if (column === dateColumn) break
        column++
        s = i + 1
      }
      if (column !== dateColumn) return true
      const keep = wanted(buf.toString('utf8', s, i))
      if (!keep) this.#row++
      return keep
    }
  }

  /** One record. */
  record (r: CsvRecord): void {
    if (this.#header !== undefined) return
    if (!r.unterminated && r.fields.length === 1 && r.fields[0]!.trim() === '') return
    this.#row++
    if (this.#columns === undefined) {
      const h = headerColumns(r)
      if (h.ok) {
        this.#columns = h.columns
        this.#peekDates(h.columns.date)
      } else this.#header = { row: 1, line: r.line, reason: h.reason }
      return
    }
    const res = dailyRow(r, this.#row, this.#columns)
    if (res.ok) this.#onRow(res.row)
    else this.#onError(res.error)
  }
}

/** Parse the whole text of one `products_daily_*.csv` (tests and small files). Never throws on bad rows. */
export function parseDailyCsv (text: string): DailyParse {
  const rows: DailyRow[] = []
  const errors: DailyRowError[] = []
  const parser = new DailyCsvParser(r => { rows.push(r) }, e => { errors.push(e) })
  for (const r of csvRecords(text)) parser.record(r)
  if (parser.headerError !== undefined) errors.push(parser.headerError)
  return { rows, errors }
}

function displayName (lower: string): string {
  return { name: 'name', metricname: 'metricName', metricquantitydate: 'metricQuantityDate', metricquantity: 'metricQuantity' }[lower] ?? lower
}

function clip (s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s
}
