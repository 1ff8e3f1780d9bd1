/** Validation of vendor responses at the edge: a wrong shape is an `invalid_response`, with the path. */
import { z } from 'zod'
import { decodeArrayInSlices } from './json-array.js'
import { PollError } from './errors.js'
import { formatPath } from '../util/path.js'
import { parseJsonBody, type HttpResponse } from './http.js'
import { paced } from '../util/pace.js'

/** Bodies larger than this, when the schema is an array, are decoded element by element in slices. */
export const LARGE_BODY_BYTES = 1024 * 1024

/**
 * Parse a JSON response and validate it, in a paced turn of the event loop (see `util/pace.ts`); rejects
 * with `PollError('invalid_response')` naming the first bad field. A large array (IBM `/products` of a big
 * cluster) is decoded element by element, yielding every few milliseconds, so it never stalls `/metrics`.
 */
export async function decodeJson<T> (res: HttpResponse, schema: z.ZodType<T>, what: string): Promise<T> {
  if (res.body.length > LARGE_BODY_BYTES && schema instanceof z.ZodArray) {
    const result = await decodeArrayInSlices(res.body.toString('utf8'), schema.element as z.ZodType)
    if (result?.ok === true) return result.value as T
    if (result?.ok === false) {
      const issue = result.error.issues[0]
      const where = issue === undefined ? `[${result.error.index}]` : `${formatPath([result.error.index, ...issue.path])}: ${issue.message}`
      throw new PollError('invalid_response', `${what}: unexpected shape at ${where}`, { status: res.status })
    }
    // Not a well-formed array: the plain path reports why.
  }
  return paced(() => decodeJsonNow(res, schema, what))
}

/** {@link decodeJson} at once, unpaced. */
export function decodeJsonNow<T> (res: HttpResponse, schema: z.ZodType<T>, what: string): T {
  const parsed = schema.safeParse(parseJsonBody(res, what))
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const where = issue === undefined ? '' : `${formatPath(issue.path)}: ${issue.message}`
  const more = parsed.error.issues.length > 1 ? ` (+${parsed.error.issues.length - 1} more)` : ''
  throw new PollError('invalid_response', `${what}: unexpected shape at ${where}${more}`, { status: res.status })
}

/** Settle an optional part of a poll: its value, or the PollError that made it fail. */
export async function optionalPart<T> (work: Promise<T>): Promise<{ ok: true, value: T } | { ok: false, error: PollError }> {
  try {
    return { ok: true, value: await work }
  } catch (err) {
    if (err instanceof PollError) return { ok: false, error: err }
    throw err
  }
}
