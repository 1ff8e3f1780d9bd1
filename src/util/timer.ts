/**
 * Timers for any delay. `setTimeout` fires after 1 ms when given more than 2^31-1 ms (about 24.8 days), so a
 * 90-day snapshot interval or a far `Retry-After` would fire at once; {@link setTimer} chains timers of at
 * most that length until the due time. Every timer of the exporter goes through here.
 */

/** Longest delay `setTimeout` honours, in ms. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1

/** A clock and its timers; tests pass a fake one. */
export interface Clock {
  now (): number
  setTimeout (fn: () => void, ms: number): unknown
  clearTimeout (handle: unknown): void
}

/** The real clock; its timers do not keep the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: handle => clearTimeout(handle as NodeJS.Timeout),
}

/** The real clock with timers that keep the process alive (a pause inside work in flight). */
const refClock: Clock = { ...systemClock, setTimeout: (fn, ms) => setTimeout(fn, ms) }

/** Cancels a timer; calling it again does nothing. */
export type CancelTimer = () => void

/** Run `fn` once at `atMs` (Unix ms) or, if that has passed, on the next turn; any distance ahead works. */
export function setTimer (fn: () => void, atMs: number, clock: Clock = systemClock): CancelTimer {
  let handle: unknown
  let cancelled = false
  const arm = (): void => {
    if (cancelled) return
    const left = Math.max(0, atMs - clock.now())
    handle = left > MAX_TIMEOUT_MS ? clock.setTimeout(arm, MAX_TIMEOUT_MS) : clock.setTimeout(fn, left)
  }
  arm()
  return () => {
    cancelled = true
    clock.clearTimeout(handle)
  }
}

/** Resolve after `ms`, or at once when `signal` aborts. On the real clock the pause keeps the process alive. */
export function sleep (ms: number, signal: AbortSignal, clock: Clock = systemClock): Promise<void> {
  if (clock === systemClock) clock = refClock
  return new Promise(resolve => {
    if (signal.aborted) { resolve(); return }
    const done = (): void => { cancel(); signal.removeEventListener('abort', done); resolve() }
    const cancel = setTimer(done, clock.now() + ms, clock)
    signal.addEventListener('abort', done, { once: true })
  })
}
