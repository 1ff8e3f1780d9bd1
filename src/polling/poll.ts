/**
 * One poll of one cluster: attempts with retries inside a hard deadline. Each attempt gets at most half of
 * the time left (so a hung attempt leaves room for another); transient failures are retried after a
 * full-jitter backoff while time remains. Failures come back as a {@link PollError} with secrets scrubbed.
 */
import type { Logger } from 'pino'
import type { EffectiveSettings } from '../config/schema.js'
import { PollError, classifyError } from '../sources/errors.js'
import type { HttpTarget } from '../sources/http.js'
import { pollCluster, type ClusterConfig } from '../sources/registry.js'
import type { PollOutcome } from '../sources/types.js'
import { startDeadline } from '../util/deadline.js'
import { scrub } from '../util/redact.js'
import { setTimer, sleep, type Clock } from '../util/timer.js'

/** Failures worth another attempt within the same poll deadline. Auth, shape and rate limits are not. */
const RETRYABLE = new Set(['connect', 'timeout', 'http_5xx'])
/** Backoff before retry n (0-based) is uniform in [0, min(cap, base * 2^n)) ms: full jitter. */
const BACKOFF_BASE_MS = 100
const BACKOFF_CAP_MS = 2000
/** After the deadline, how long the attempts loop has to report its own error before the hard cut. */
const HARD_DEADLINE_GRACE_MS = 250
/** Do not start an attempt with less time left than this. */
const MIN_ATTEMPT_MS = 200

/** What one poll needs. */
export interface PollJob {
  cluster: ClusterConfig
  settings: EffectiveSettings
  target: HttpTarget
  /** Aborted at shutdown. */
  stop: AbortSignal
  log: Logger
  clock: Clock
  /** Called before each retry (for the retry counter). */
  onRetry: () => void
}

async function attempts (job: PollJob, signal: AbortSignal, deadlineAt: number): Promise<PollOutcome> {
  const { cluster, clock } = job
  const log = job.log.child({ cluster: cluster.name })
  let first: PollError | undefined
  for (let n = 0; ; n++) {
    const left = deadlineAt - clock.now()
    const attempt = startDeadline(signal, Math.floor(Math.max(MIN_ATTEMPT_MS, left / 2)), clock)
    try {
      return await pollCluster(cluster, { signal: attempt.signal, http: job.target, token: cluster.token, log })
    } catch (err) {
      const pe = classifyError(err, attempt.signal.aborted)
      first ??= pe
      const backoff = Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** n)
      if (!RETRYABLE.has(pe.reason) || pe.permanent || signal.aborted || deadlineAt - clock.now() < backoff + MIN_ATTEMPT_MS) {
        // Out of time while retrying: report what the cluster said (e.g. its 503), not our own cut-off.
        throw pe.reason === 'timeout' && first.reason !== 'timeout' ? first : pe
      }
      job.onRetry()
      log.debug({ reason: pe.reason, attempt: n + 1, backoffMs: Math.round(backoff) }, 'transient failure; retrying')
      await sleep(backoff, signal, clock)
    } finally {
      attempt.dispose()
    }
  }
}

/**
 * Poll once under the cluster's deadline. Even a source that ignores its signal cannot hold the poll past
 * the deadline (plus a short grace, so that the attempts loop reports its own, more telling error first).
 */
export async function pollWithDeadline (job: PollJob): Promise<PollOutcome> {
  const { settings, clock } = job
  const startMs = clock.now()
  const deadline = startDeadline(job.stop, settings.timeoutMs, clock)
  const signal = deadline.signal
  let cancelGrace: (() => void) | undefined
  let onAbort: (() => void) | undefined
  try {
    const hardCut = new Promise<never>((_resolve, reject) => {
      onAbort = () => {
        cancelGrace = setTimer(() => reject(new PollError('timeout', `deadline of ${settings.timeoutMs} ms exceeded`)), clock.now() + HARD_DEADLINE_GRACE_MS, clock)
      }
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort, { once: true })
    })
    return await Promise.race([attempts(job, signal, startMs + settings.timeoutMs), hardCut])
  } catch (err) {
    const pe = classifyError(err, deadline.expired)
    const secrets = job.cluster.token === undefined ? [] : [job.cluster.token]
    throw new PollError(pe.reason, scrub(pe.message, secrets), {
      ...(pe.status !== undefined ? { status: pe.status } : {}), ...(pe.retryAtMs !== undefined ? { retryAtMs: pe.retryAtMs } : {}),
    })
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
    cancelGrace?.()
    deadline.dispose()
  }
}
