/**
 * The poller: each cluster on its own interval, at most `concurrency` polls in flight, a hard deadline per
 * poll (its requests are aborted), the first poll at start. A slow or failing cluster never holds up another.
 */
import { setMaxListeners } from 'node:events'
import type { Logger } from 'pino'
import { PollError, classifyError } from '../sources/errors.js'
import { effectiveSettings, type Config, type EffectiveSettings } from '../config/schema.js'
import { pollCluster, type ClusterConfig } from '../sources/registry.js'
import type { PollOutcome } from '../sources/types.js'
import { createHttpTarget, type HttpTarget } from '../sources/http.js'
import type { ClusterIdentity, Store } from './store.js'
import { startDeadline } from '../util/deadline.js'
import { scrub } from '../util/redact.js'

/** Failures worth another attempt within the same poll deadline. Auth, shape and rate limits are not. */
const RETRYABLE = new Set(['connect', 'timeout', 'http_5xx'])
/** Backoff before retry n (0-based) is uniform in [0, min(cap, base * 2^n)) ms: full jitter. */
const BACKOFF_BASE_MS = 100
const BACKOFF_CAP_MS = 2000
/** After the deadline, how long the attempts loop has to report its own error before the hard cut. */
const HARD_DEADLINE_GRACE_MS = 250
/** Do not start an attempt with less time left than this. */
const MIN_ATTEMPT_MS = 200

function sleep (ms: number, signal: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(done, ms)
    function done (): void { clearTimeout(timer); signal.removeEventListener('abort', done); resolve() }
    signal.addEventListener('abort', done, { once: true })
  })
}

/** The controller that aborts every poll at stop; each poll in flight listens to it. */
function stopController (): AbortController {
  const c = new AbortController()
  setMaxListeners(0, c.signal)
  return c
}

interface Entry {
  readonly cluster: ClusterConfig
  readonly settings: EffectiveSettings
  /** Identity of the settings: an entry whose key is unchanged by a reload keeps its schedule. */
  readonly key: string
  target: HttpTarget | undefined
  timer: NodeJS.Timeout | undefined
  queued: boolean
  running: Promise<void> | undefined
  removed: boolean
}

/** Options of the {@link Poller}. */
export interface PollerOptions {
  store: Store
  log: Logger
  /** Clock, for tests. */
  now?: () => number
}

/** Schedules and runs polls; results go to the {@link Store}. */
export class Poller {
  readonly #store: Store
  readonly #log: Logger
  readonly #now: () => number
  #entries = new Map<string, Entry>()
  #queue: Entry[] = []
  #inFlight = 0
  #concurrency = 1
  #started = false
  #stopping = stopController()

  constructor (opts: PollerOptions) {
    this.#store = opts.store
    this.#log = opts.log
    this.#now = opts.now ?? Date.now
  }

  /** Apply a (new) config: start new clusters, drop removed ones, keep unchanged ones as they are. */
  apply (config: Config): void {
    this.#concurrency = config.global.concurrency
    const next = new Map<string, Entry>()
    const ids: ClusterIdentity[] = []
    for (const cluster of config.clusters) {
      const settings = effectiveSettings(cluster, config.global)
      ids.push({ name: cluster.name, type: cluster.type, labels: cluster.labels, staleAfterMs: settings.staleAfterMs })
      const key = JSON.stringify([cluster, settings])
      const old = this.#entries.get(cluster.name)
      if (old !== undefined && old.key === key) {
        next.set(cluster.name, old)
        continue
      }
      if (old !== undefined) this.#retire(old)
      next.set(cluster.name, { cluster, settings, key, target: undefined, timer: undefined, queued: false, running: undefined, removed: false })
    }
    for (const [name, old] of this.#entries) if (!next.has(name)) this.#retire(old)
    this.#entries = next
    this.#store.sync(ids)
    if (this.#started) for (const e of this.#entries.values()) if (e.timer === undefined && e.running === undefined && !e.queued) this.#enqueue(e)
  }

  /** Start polling: every cluster is polled at once (within the concurrency limit), then on its interval. */
  start (): void {
    if (this.#started) return
    this.#started = true
    for (const e of this.#entries.values()) this.#enqueue(e)
  }

  /** Poll every cluster once, at most `concurrency` at a time, and wait for all of them (`--report`, benchmark). */
  async pollAllOnce (): Promise<void> {
    const entries = [...this.#entries.values()]
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < entries.length) {
        const e = entries[next++]
        if (e !== undefined) await this.#runNow(e)
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, entries.length) }, worker))
  }

  /** Stop scheduling, abort polls in flight, close connection pools. */
  async stop (): Promise<void> {
    this.#started = false
    this.#stopping.abort()
    this.#queue = []
    const running: Array<Promise<void>> = []
    for (const e of this.#entries.values()) {
      clearTimeout(e.timer)
      e.timer = undefined
      if (e.running !== undefined) running.push(e.running)
    }
    await Promise.allSettled(running)
    await Promise.allSettled([...this.#entries.values()].map(async e => {
      const target = e.target
      e.target = undefined // a later poll (e.g. pollAllOnce after stop) opens a fresh pool
      await target?.pool.destroy()
    }))
    this.#stopping = stopController()
  }

  /** Retries made within polls since start (transient failures that got another attempt). */
  retries = 0

  /**
   * One poll with retries: each attempt gets at most half of the time left (so a hung attempt leaves room
   * for another), and transient failures are retried after a full-jitter backoff while time remains.
   */
  async #attempts (e: Entry, signal: AbortSignal, deadlineAt: number, token: string | undefined, target: HttpTarget): Promise<PollOutcome> {
    const log = this.#log.child({ cluster: e.cluster.name })
    let first: PollError | undefined
    for (let n = 0; ; n++) {
      const left = deadlineAt - this.#now()
      const attempt = startDeadline(signal, Math.floor(Math.max(MIN_ATTEMPT_MS, left / 2)))
      try {
        return await pollCluster(e.cluster, { signal: attempt.signal, http: target, token, log })
      } catch (err) {
        const pe = classifyError(err, attempt.signal.aborted)
        first ??= pe
        const backoff = Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** n)
        if (!RETRYABLE.has(pe.reason) || signal.aborted || deadlineAt - this.#now() < backoff + MIN_ATTEMPT_MS) {
          // Out of time while retrying: report what the cluster said (e.g. its 503), not our own cut-off.
          throw pe.reason === 'timeout' && first.reason !== 'timeout' ? first : pe
        }
        this.retries++
        log.debug({ reason: pe.reason, attempt: n + 1, backoffMs: Math.round(backoff) }, 'transient failure; retrying')
        await sleep(backoff, signal)
      } finally {
        attempt.dispose()
      }
    }
  }


  /** Polls in flight. */
  get inFlight (): number { return this.#inFlight }

  #retire (e: Entry): void {
    e.removed = true
    clearTimeout(e.timer)
    e.timer = undefined
    const target = e.target
    e.target = undefined
    // Let an in-flight poll finish (its result is ignored), then close the pool.
    void (e.running ?? Promise.resolve()).then(() => target?.pool.destroy()).catch(() => undefined)
  }

  #enqueue (e: Entry): void {
    if (e.queued || e.running !== undefined || e.removed) return
    e.queued = true
    this.#queue.push(e)
    this.#drain()
  }

  #drain (): void {
    while (this.#inFlight < this.#concurrency && this.#queue.length > 0) {
      const e = this.#queue.shift()
      if (e === undefined) break
      e.queued = false
      if (e.removed) continue
      void this.#runNow(e).then(() => this.#schedule(e))
    }
  }

  #schedule (e: Entry): void {
    if (!this.#started || e.removed) return
    const st = this.#store.get(e.cluster.name)
    const now = this.#now()
    const start = (st?.lastAttemptEndMs ?? now) - (st?.lastDurationMs ?? 0)
    let at = start + e.settings.intervalMs
    if (st?.retryAtMs !== undefined && st.retryAtMs > at) at = st.retryAtMs
    clearTimeout(e.timer)
    e.timer = setTimeout(() => { e.timer = undefined; this.#enqueue(e) }, Math.max(0, at - now))
    e.timer.unref()
  }

  #runNow (e: Entry): Promise<void> {
    if (e.running !== undefined) return e.running
    this.#inFlight++
    e.running = this.#pollOne(e).finally(() => {
      e.running = undefined
      this.#inFlight--
      this.#drain()
    })
    return e.running
  }

  async #pollOne (e: Entry): Promise<void> {
    const { cluster, settings } = e
    const startMs = this.#now()
    const deadline = startDeadline(this.#stopping.signal, settings.timeoutMs)
    const signal = deadline.signal
    const token = cluster.token
    const secrets = token === undefined ? [] : [token]
    let onAbort: (() => void) | undefined
    let cleanup: (() => void) | undefined
    try {
      e.target ??= createHttpTarget({ url: cluster.url, tls: cluster.tls, maxResponseBytes: settings.maxResponseBytes, timeoutMs: settings.timeoutMs })
      const work = this.#attempts(e, signal, startMs + settings.timeoutMs, token, e.target)
      // The hard deadline: even a source that ignores its signal cannot hold the poll past it (with a short
      // grace, so that the attempts loop reports its own, more telling error first).
      let graceTimer: NodeJS.Timeout | undefined
      const abort = new Promise<never>((_resolve, reject) => {
        onAbort = () => { graceTimer = setTimeout(() => reject(new PollError('timeout', `deadline of ${settings.timeoutMs} ms exceeded`)), HARD_DEADLINE_GRACE_MS) }
        if (signal.aborted) onAbort()
        else signal.addEventListener('abort', onAbort, { once: true })
      })
      cleanup = () => clearTimeout(graceTimer)
      const outcome = await Promise.race([work, abort])
      if (e.removed) return
      this.#store.recordSuccess(cluster.name, outcome, startMs, this.#now())
      for (const p of outcome.partFailures) {
        this.#log.warn({ cluster: cluster.name, part: p.part, reason: p.reason, err: scrub(p.message, secrets) }, 'optional part of poll failed')
      }
      this.#log.debug({ cluster: cluster.name, durationMs: this.#now() - startMs, samples: outcome.samples.length }, 'poll ok')
    } catch (err) {
      if (this.#stopping.signal.aborted || e.removed) return
      const pe = classifyError(err, deadline.expired)
      const safe = new PollError(pe.reason, scrub(pe.message, secrets), {
        ...(pe.status !== undefined ? { status: pe.status } : {}), ...(pe.retryAtMs !== undefined ? { retryAtMs: pe.retryAtMs } : {}),
      })
      this.#store.recordFailure(cluster.name, safe, startMs, this.#now())
      this.#log.warn({ cluster: cluster.name, source: cluster.type, reason: safe.reason, err: safe.message, status: safe.status }, 'poll failed')
    } finally {
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
      cleanup?.()
      deadline.dispose()
    }
  }
}
