/**
 * The snapshot's `data_condition.txt` (shared/docs/ibm-license-service.md, `/snapshot`): License Service
 * version, the cluster, metrics, generation time and the reporting period. Its exact layout is not
 * published, so it is read tolerantly as `key: value` (or `key = value`) lines; what cannot be read is left
 * out. Pure.
 */

/** What the exporter uses of `data_condition.txt`. */
export interface DataCondition {
  /** The cluster the snapshot is of (its id or name, as License Service wrote it). */
  cluster?: string
  /** Reporting period, `YYYY-MM-DD`. */
  periodFrom?: string
  periodTo?: string
}

const ISO_DAYS = /\d{4}-\d{2}-\d{2}/g
const ISO_DAY = /\d{4}-\d{2}-\d{2}/

/** Parse the text of `data_condition.txt`. */
export function parseDataCondition (text: string): DataCondition {
  const out: DataCondition = {}
  for (const raw of text.split(/\r\n|\r|\n/).slice(0, 200)) {
    const m = /^\s*([A-Za-z][A-Za-z _-]{0,40}?)\s*[:=]\s*(.*?)\s*$/.exec(raw)
    if (m === null) continue
    const key = m[1]!.toLowerCase().replace(/[\s_-]+/g, ' ')
    const value = m[2]!.slice(0, 256)
    if (value === '') continue
    if (out.cluster === undefined && /^cluster( id| name)?$/.test(key)) out.cluster = value
    else if (/period/.test(key)) {
      const days = value.match(ISO_DAYS)
      if (days !== null && days.length >= 2) { out.periodFrom = days[0]!; out.periodTo = days[1]! }
    } else if (/start date/.test(key)) {
      const day = ISO_DAY.exec(value)
      if (day !== null) out.periodFrom = day[0]
    } else if (/end date/.test(key)) {
      const day = ISO_DAY.exec(value)
      if (day !== null) out.periodTo = day[0]
    }
  }
  return out
}
