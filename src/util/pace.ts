/**
 * Pacing of CPU-bound steps (decoding and validating vendor responses). When a hundred polls answer in the
 * same instant, their decoding would otherwise run back to back in one turn of the event loop and hold up
 * timers and `/metrics` for tens of milliseconds. Paced jobs run in FIFO order, at most {@link PACE_SLICE_MS}
 * of them per turn; the rest wait for the next turn, so other work gets in between.
 */

/** Longest run of paced jobs in one turn of the event loop. */
export const PACE_SLICE_MS = 4

const queue: Array<() => void> = []
let scheduled = false

function run (): void {
  scheduled = false
  const start = performance.now()
  while (queue.length > 0 && performance.now() - start < PACE_SLICE_MS) queue.shift()?.()
  if (queue.length > 0) {
    scheduled = true
    setImmediate(run)
  }
}

/** Run a synchronous job in a paced turn; resolves with its result (or rejects with what it threw). */
export function paced<T> (job: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    queue.push(() => {
      try {
        resolve(job())
      } catch (err) {
        reject(err)
      }
    })
    if (!scheduled) {
      scheduled = true
      setImmediate(run)
    }
  })
}
