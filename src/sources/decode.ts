/** Validation of vendor responses at the edge: a wrong shape is an `invalid_response`, with the path. */
import type { z } from 'zod'
import { PollError } from './errors.js'
import { formatPath } from '../util/path.js'
import { parseJsonBody, type HttpResponse } from './http.js'
import { paced } from '../util/pace.js'

/**
 * Parse a JSON response and validate it, in a paced turn of the event loop (see `util/pace.ts`); rejects
 * with `PollError('invalid_response')` naming the first bad field.
 */
export function decodeJson<T> (res: HttpResponse, schema: z.ZodType<T>, what: string): Promise<T> {
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
