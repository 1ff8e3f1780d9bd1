/**
 * Download of an IBM License Service audit snapshot (`GET /snapshot`): one request under its own deadline,
 * the body checked to be a whole zip. Failures are {@link PollError}s with secrets scrubbed.
 */
import { PollError, classifyError } from '../errors.js'
import { createHttpTarget, httpGet } from '../http.js'
import { scrub } from '../../util/redact.js'
import { startDeadline } from '../../util/deadline.js'
import { checkZip } from './zip-check.js'
import { authFor } from './client.js'
import type { IbmCluster, SnapshotConfig } from './schema.js'

/** A checked snapshot. */
export interface Snapshot {
  body: Buffer
  entries: number
}

/** Download and check a snapshot. Throws a {@link PollError} (secrets scrubbed) when it cannot be had. */
export async function fetchSnapshot (cluster: IbmCluster, cfg: SnapshotConfig, stop?: AbortSignal): Promise<Snapshot> {
  const secrets = cluster.token === undefined ? [] : [cluster.token]
  const target = createHttpTarget({ url: cluster.url, tls: cluster.tls, maxResponseBytes: cfg.max_bytes, timeoutMs: cfg.timeout })
  const deadline = startDeadline(stop ?? new AbortController().signal, cfg.timeout)
  let body: Buffer
  try {
    const auth = authFor(cluster.auth, cluster.token)
    body = (await httpGet(target, { path: '/snapshot', query: auth.query, headers: { accept: 'application/zip', ...auth.headers }, signal: deadline.signal })).body
  } catch (err) {
    const pe = classifyError(err, deadline.expired)
    throw new PollError(pe.reason, scrub(pe.message, secrets), pe.status !== undefined ? { status: pe.status } : {})
  } finally {
    deadline.dispose()
    await target.connections.destroy().catch(() => undefined)
  }
  const check = checkZip(body)
  if (!check.ok) throw new PollError('invalid_response', `snapshot is not a valid zip: ${check.reason}`)
  return { body, entries: check.entries }
}
