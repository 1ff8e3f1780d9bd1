/**
 * The poller: each cluster on its own interval, at most `concurrency` polls in flight, a hard deadline per
 * poll (its requests are aborted), the first poll at start. A slow or failing cluster never holds up another.
 */
import { setMaxListeners } from 'node:events'
import type { Logger } from 'pino'
import { effectiveSettings, type Config, type EffectiveSettings } from '../config/schema.js'
import { classifyError } from '../sources/errors.js'
import { createHttpTarget, type HttpTarget } from '../sources/http.js'
import type { ClusterConfig } from '../sources/registry.js'
import { scrub } from '../util/redact.js'
import type { Clock } from '../util/timer.js'
import { pollWithDeadline } from './poll.js'
import { Scheduler, type Slot } from './scheduler.js'
import type { ClusterIdentity, Store } from './store.js'

/** The controller that aborts every poll at stop; each poll in flight listens to it. */
function stopController (): AbortController {
  const c = new AbortController()
  setMaxListeners(0, c.signal)
  return c
}

interface PollState {
  readonly cluster: ClusterConfig
  readonly settings: EffectiveSettings
  target: HttpTarget | undefined
  queued: boolean
  running: Promise<void> | undefined
}

type Entry = Slot<PollState>

/** Options of the {@link Poller}. */
export interface PollerOptions {
  store: Store
  log: Logger
  /** Clock and timers, for tests. */
  clock?: Clock
  /** Keep each cluster's connections open between polls (default false: only within a poll). */
  keepAlive?: boolean
  /** Called on a later turn when the last poll in flight has ended, unless another is in flight then or stop() was called. */
  onIdle?: () => void
}

/** Schedules and runs polls; results go to the {@link Store}. */
export class Poller {
  readonly #store: Store
  readonly #log: Logger
  readonly #scheduler: Scheduler<PollState>
  readonly #keepAlive: boolean
  readonly #onIdle: (() => void) | undefined
  #queue: Entry[] = []
  #inFlight = 0
  #concurrency = 1
  #started = false
  /** stop() was called and no poll has started since: no onIdle. */
  #halted = false
  #stopping = stopController()
  /** Retries made within polls since start (transient failures that got another attempt). */
  retries = 0

  constructor (opts: PollerOptions) {
    this.#store = opts.store
    this.#log = opts.log
    this.#scheduler = new Scheduler(opts.clock)
    this.#keepAlive = opts.keepAlive ?? false
    this.#onIdle = opts.onIdle
  }

  /** Apply a (new) config: start new clusters, drop removed ones, keep unchanged ones as they are. */
  apply (config: Config): void {
    this.#concurrency = config.global.concurrency
    const wanted = config.clusters.map(cluster => {
      const settings = effectiveSettings(cluster, config.global)
      return { name: cluster.name, key: JSON.stringify([cluster, settings]), cluster, settings }
    })
    const byName = new Map(wanted.map(w => [w.name, w]))
    const { retired } = this.#scheduler.reconcile(wanted, name => {
      const w = byName.get(name) as (typeof wanted)[number]
      return { cluster: w.cluster, settings: w.settings, target: undefined, queued: false, running: undefined }
    })
    for (const e of retired) this.#retire(e)
    const ids: ClusterIdentity[] = wanted.map(w => ({ name: w.name, type: w.cluster.type, labels: w.cluster.labels, staleAfterMs: w.settings.staleAfterMs }))
    this.#store.sync(ids)
    // A reload clears every back-off a 429 set: each such cluster is due again on its interval.
    for (const e of this.#scheduler.slots()) {
      if (!this.#store.clearRetry(e.name) || !this.#scheduler.pending(e)) continue
      this.#scheduler.cancel(e)
      this.#schedule(e)
    }
    if (this.#started) for (const e of this.#scheduler.slots()) if (!this.#scheduler.pending(e) && e.state.running === undefined && !e.state.queued) this.#enqueue(e)
  }

  /** Start polling: every cluster is polled at once (within the concurrency limit), then on its interval. */
  start (): void {
    if (this.#started) return
    this.#started = true
    for (const e of this.#scheduler.slots()) this.#enqueue(e)
  }

  /** Poll every cluster once, at most `concurrency` at a time, and wait for all of them (`--report`, benchmark). */
  async pollAllOnce (): Promise<void> {
    const entries = this.#scheduler.slots()
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < entries.length) {
        const e = entries[next++]
        if (e !== undefined) await this.#runNow(e)
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, entries.length) }, worker))
  }

  /** Stop scheduling, abort polls in flight, close their connections. */
  async stop (): Promise<void> {
    this.#started = false
    this.#halted = true
    this.#stopping.abort()
    this.#queue = []
    this.#scheduler.cancelAll()
    const entries = this.#scheduler.slots()
    await Promise.allSettled(entries.map(e => e.state.running))
    await Promise.allSettled(entries.map(async e => {
      const target = e.state.target
      e.state.target = undefined // a later poll (e.g. pollAllOnce after stop) opens new connections
      await target?.connections.destroy()
    }))
    this.#stopping = stopController()
  }

  /** Polls in flight. */
  get inFlight (): number { return this.#inFlight }

  #retire (e: Entry): void {
    const target = e.state.target
    e.state.target = undefined
    // Let an in-flight poll finish (its result is ignored), then close its connections.
    void (e.state.running ?? Promise.resolve()).then(() => target?.connections.destroy()).catch(() => undefined)
  }

  #enqueue (e: Entry): void {
    if (e.state.queued || e.state.running !== undefined || e.removed) return
    e.state.queued = true
    this.#queue.push(e)
    this.#drain()
  }

  #drain (): void {
    while (this.#inFlight < this.#concurrency && this.#queue.length > 0) {
      const e = this.#queue.shift()
      if (e === undefined) break
      e.state.queued = false
      if (e.removed) continue
      void this.#runNow(e).then(() => this.#schedule(e))
    }
  }

  /** Next poll: one interval after the last one started, or later when the cluster asked us to wait. */
  #schedule (e: Entry): void {
    if (!this.#started || e.removed) return
    const st = this.#store.get(e.name)
    const now = this.#scheduler.clock.now()
    const start = (st?.lastAttemptEndMs ?? now) - (st?.lastDurationMs ?? 0)
    let at = start + e.state.settings.intervalMs
    if (st?.retryAtMs !== undefined && st.retryAtMs > at) at = st.retryAtMs
    this.#scheduler.at(e, at, () => this.#enqueue(e))
  }

  #runNow (e: Entry): Promise<void> {
    if (e.state.running !== undefined) return e.state.running
    this.#halted = false
    this.#inFlight++
    e.state.running = this.#pollOne(e).finally(() => {
      e.state.running = undefined
      this.#inFlight--
      this.#drain()
      if (this.#inFlight === 0 && this.#onIdle !== undefined) setImmediate(() => { if (this.#inFlight === 0 && !this.#halted) this.#onIdle?.() })
    })
    return e.state.running
  }

  async #pollOne (e: Entry): Promise<void> {
    const { cluster, settings } = e.state
    const clock = this.#scheduler.clock
    const startMs = clock.now()
    try {
      e.state.target ??= createHttpTarget({ url: cluster.url, tls: cluster.tls, maxResponseBytes: settings.maxResponseBytes, timeoutMs: settings.timeoutMs })
      const outcome = await pollWithDeadline({
        cluster, settings, target: e.state.target, stop: this.#stopping.signal, log: this.#log, clock, onRetry: () => { this.retries++ },
      })
      if (e.removed) return
      this.#store.recordSuccess(cluster.name, outcome, startMs, clock.now())
      const secrets = cluster.token === undefined ? [] : [cluster.token]
      for (const p of outcome.partFailures) {
        this.#log.warn({ cluster: cluster.name, part: p.part, reason: p.reason, err: scrub(p.message, secrets) }, 'optional part of poll failed')
      }
      this.#log.debug({ cluster: cluster.name, durationMs: clock.now() - startMs, samples: outcome.samples.length }, 'poll ok')
    } catch (err) {
      if (this.#stopping.signal.aborted || e.removed) return
      const pe = classifyError(err, false)
      this.#store.recordFailure(cluster.name, pe, startMs, clock.now())
      this.#log.warn({ cluster: cluster.name, source: cluster.type, reason: pe.reason, err: pe.message, status: pe.status }, 'poll failed')
    }
    if (!this.#keepAlive) {
      // Polls are minutes apart and vendors close idle connections long before: keep no socket between polls.
      const target = e.state.target
      e.state.target = undefined
      await target?.connections.destroy().catch(() => undefined)
    }
  }
}
