/**
 * A deadline as an abort signal: one controller and one timer, cheaper than `AbortSignal.any` plus
 * `AbortSignal.timeout` (which the poller would otherwise create several times per poll).
 */
import { setTimer, systemClock, type Clock } from './timer.js'

/** A signal that aborts when its parent does or when the time is up. */
export interface Deadline {
  readonly signal: AbortSignal
  /** True once the time ran out (as opposed to the parent aborting). */
  readonly expired: boolean
  /** Clear the timer and the listener on the parent; call when the work is done. */
  dispose (): void
}

/** Start a deadline of `ms` under `parent`. The timer does not keep the process alive. */
export function startDeadline (parent: AbortSignal, ms: number, clock: Clock = systemClock): Deadline {
  const controller = new AbortController()
  let expired = false
  const onParent = (): void => controller.abort(parent.reason)
  const cancel = setTimer(() => {
    expired = true
    controller.abort(new DOMException(`deadline of ${ms} ms exceeded`, 'TimeoutError'))
  }, clock.now() + ms, clock)
  if (parent.aborted) onParent()
  else parent.addEventListener('abort', onParent, { once: true })
  return {
    signal: controller.signal,
    get expired () { return expired },
    dispose () {
      cancel()
      parent.removeEventListener('abort', onParent)
    },
  }
}
