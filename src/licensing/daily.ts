/**
 * IBM's `products_daily_*.csv` (the audit snapshot's daily usage, shared/docs/ibm-license-service.md,
 * `/snapshot`): one row per product, license metric and day. Pure parsing, errors as values.
 *
 * - Columns are found by header name (trimmed, case-insensitive), in any order; extra columns are ignored.
 *   Required: `name`, `metricName`, `metricQuantityDate` (`date` is accepted in its place), `metricQuantity`;
 *   optional: `id`.
 * - Dates `YYYY-MM-DD` or `M/D/YYYY` (IBM's documented example), normalised to `YYYY-MM-DD`; the calendar
 *   date must exist.
 * - RFC 4180: quoted fields with `""`, commas and line breaks inside quotes; CRLF or LF; a UTF-8 BOM; blank
 *   lines are skipped. An empty file (or a header alone) gives no rows and no error.
 * - A bad row is reported (`row`: record number, the header being 1; `line`: the physical line it starts on)
 *   and skipped; the other rows are still returned.
 */

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

/** Why a record was skipped (or, with `row` 1, why the whole file was). */
export interface DailyRowError {
  /** Record number, 1-based, the header being record 1. */
  row: number
  /** Physical line (1-based) the record starts on; differs from `row` when quoted fields hold line breaks. */
  line: number
  reason: string
}

/** Result of parsing one file: the good rows and the errors of the bad ones. */
export interface DailyParse {
  rows: DailyRow[]
  errors: DailyRowError[]
}

/** One CSV record with the line it starts on; `unterminated` when the file ends inside a quoted field. */
interface CsvRecord {
  fields: string[]
  line: number
  unterminated: boolean
}

/**
 * Split CSV text into records (RFC 4180, tolerant: a quote inside an unquoted field is kept literally, text
 * after a closing quote is appended). CRLF, LF and lone CR end records outside quotes.
 */
export function csvRecords (text: string): CsvRecord[] {
  const out: CsvRecord[] = []
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  let fields: string[] = []
  let field = ''
  let quoted = false
  let inQuotes = false
  let line = 1
  let start = 1
  let any = false
  const endRecord = (): void => {
    fields.push(field)
    out.push({ fields, line: start, unterminated: false })
    fields = []
    field = ''
    quoted = false
    any = false
  }
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!
    if (inQuotes) {
      if (c === '"') {
        if (src[i + 1] === '"') { field += '"'; i++ } else inQuotes = false
      } else {
        if (c === '\n' || (c === '\r' && src[i + 1] !== '\n')) line++
        field += c
      }
      continue
    }
    if (c === '"' && field === '' && !quoted) {
      inQuotes = true
      quoted = true
      any = true
    } else if (c === ',') {
      fields.push(field)
      field = ''
      quoted = false
      any = true
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && src[i + 1] === '\n') i++
      endRecord()
      line++
      start = line
    } else {
      field += c
      any = true
    }
  }
  if (inQuotes) {
    fields.push(field)
    out.push({ fields, line: start, unterminated: true })
  } else if (any || field !== '' || fields.length > 0) {
    endRecord()
  }
  return out
}

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

/** A daily CSV date (`YYYY-MM-DD` or `M/D/YYYY`, surrounding spaces allowed) as `YYYY-MM-DD`, else undefined. */
export function parseDailyDate (text: string): string | undefined {
  const t = text.trim()
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t)
  if (m !== null) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]))
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t)
  if (m !== null) return isoDate(Number(m[3]), Number(m[1]), Number(m[2]))
  return undefined
}

const NUMBER = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

/** Required columns (header name, lower case) and the accepted alternatives. */
const COLUMNS = {
  name: ['name'],
  metric: ['metricname'],
  date: ['metricquantitydate', 'date'],
  value: ['metricquantity'],
} as const

/** Parse the text of one `products_daily_*.csv`. Never throws. */
export function parseDailyCsv (text: string): DailyParse {
  const records = csvRecords(text).filter(r => r.unterminated || r.fields.length > 1 || r.fields[0]!.trim() !== '')
  const header = records[0]
  if (header === undefined) return { rows: [], errors: [] }
  const names = header.fields.map(f => f.trim().toLowerCase())
  const find = (alts: readonly string[]): number => {
    for (const a of alts) {
      const i = names.indexOf(a)
      if (i >= 0) return i
    }
    return -1
  }
  const col = { name: find(COLUMNS.name), metric: find(COLUMNS.metric), date: find(COLUMNS.date), value: find(COLUMNS.value), id: find(['id']) }
  const absent = (['name', 'metric', 'date', 'value'] as const).filter(k => col[k] < 0).map(k => COLUMNS[k][0])
  if (header.unterminated || absent.length > 0) {
    const reason = header.unterminated ? 'header: unterminated quoted field' : `header: missing column ${absent.map(a => displayName(a)).join(', ')}`
    return { rows: [], errors: [{ row: 1, line: header.line, reason }] }
  }
  const rows: DailyRow[] = []
  const errors: DailyRowError[] = []
  records.slice(1).forEach((r, i) => {
    const fail = (reason: string): void => { errors.push({ row: i + 2, line: r.line, reason }) }
    if (r.unterminated) return fail('unterminated quoted field (file ends inside quotes)')
    const get = (c: number): string | undefined => r.fields[c]
    const name = get(col.name)
    const metric = get(col.metric)
    const dateText = get(col.date)
    const valueText = get(col.value)
    if (name === undefined || metric === undefined || dateText === undefined || valueText === undefined) {
      return fail(`too few fields (${r.fields.length}, header has ${header.fields.length})`)
    }
    if (name.trim() === '') return fail('empty name')
    if (metric.trim() === '') return fail('empty metricName')
    const date = parseDailyDate(dateText)
    if (date === undefined) return fail(`bad date ${JSON.stringify(clip(dateText))} (want YYYY-MM-DD or M/D/YYYY)`)
    const v = valueText.trim()
    const value = NUMBER.test(v) ? Number(v) : Number.NaN
    if (!Number.isFinite(value)) return fail(`bad metricQuantity ${JSON.stringify(clip(valueText))} (want a non-negative number)`)
    rows.push({ date, productName: name.trim(), productId: (get(col.id) ?? '').trim(), metric: metric.trim(), value })
  })
  return { rows, errors }
}

function displayName (lower: string): string {
  return { name: 'name', metricname: 'metricName', metricquantitydate: 'metricQuantityDate', metricquantity: 'metricQuantity' }[lower] ?? lower
}

function clip (s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s
}
