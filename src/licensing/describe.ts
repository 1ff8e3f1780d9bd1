/**
 * What a snapshot is of, for the metadata of its object in a bucket: the cluster id (from
 * `data_condition.txt`) and the period its daily data covers (first and last day of `products_daily`), so a
 * person browsing the bucket, or a lifecycle rule, sees it without opening the zip. Rows are not decoded:
 * only their dates are looked at. Best effort: a snapshot that cannot be read gets no such metadata (the
 * index decides what it is worth).
 */
import { parseDailyDate } from './daily.js'
import { readSnapshot } from './zip.js'

/** S3 user metadata (`x-amz-meta-*`): lower-case keys, ASCII values. */
export type SnapshotMetadata = Record<string, string>

/** The metadata of a snapshot's bytes: `cluster-id`, `period-from`, `period-to` where known. */
export async function describeSnapshot (body: Buffer): Promise<SnapshotMetadata> {
  let from: string | undefined
  let to: string | undefined
  const read = await readSnapshot({ buffer: body }, {
    row: () => undefined,
    badRow: () => undefined,
    wanted: text => {
      const d = parseDailyDate(text)
      if (d !== undefined) {
        if (from === undefined || d < from) from = d
        if (to === undefined || d > to) to = d
      }
      return false
    },
  })
  const out: SnapshotMetadata = {}
  if (!read.ok) return out
  const cluster = read.info.dataCondition?.cluster
  if (cluster !== undefined) out['cluster-id'] = encodeURIComponent(cluster).slice(0, 512)
  if (from !== undefined) out['period-from'] = from
  if (to !== undefined) out['period-to'] = to
  return out
}
