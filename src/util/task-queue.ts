/**
 * A serial queue with priority lanes: one task runs at a time, the next is taken from the lowest-numbered
 * lane that has one. For work that must never interleave (a database transaction held across awaits) where
 * some tasks (queries) should not wait behind a long backlog (a cold ingest).
 */

type Task = () => Promise<void>

/** See the file comment. */
export class TaskQueue {
  readonly #lanes: Task[][]
  #running = false
  #waiters: Array<() => void> = []
  readonly #onIdle: (() => void) | undefined

  /** `onIdle` is told each time the queue runs dry. */
  constructor (lanes: number, onIdle?: () => void) {
    this.#lanes = Array.from({ length: lanes }, () => [])
    this.#onIdle = onIdle
  }

  /** Tasks waiting (not counting the one running). */
  get size (): number {
    return this.#lanes.reduce((n, l) => n + l.length, 0)
  }

  /** Tasks waiting in one lane. */
  sizeOf (lane: number): number {
    return this.#lanes[lane]?.length ?? 0
  }

  /** Queue `fn` in `lane`; resolves or rejects with its result. */
  push<T> (lane: number, fn: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#lanes[Math.min(Math.max(lane, 0), this.#lanes.length - 1)]!.push(async () => {
        try {
          resolve(await fn())
        } catch (err) {
          reject(err)
        }
      })
      if (!this.#running) void this.#drain()
    })
  }

  /** Drop every task not yet started (their promises never settle); the running one finishes. */
  clear (): void {
    for (const l of this.#lanes) l.length = 0
  }

  /** Resolves when nothing is queued or running. */
  idle (): Promise<void> {
    if (!this.#running && this.size === 0) return Promise.resolve()
    return new Promise(resolve => this.#waiters.push(resolve))
  }

  async #drain (): Promise<void> {
    this.#running = true
    for (;;) {
      const lane = this.#lanes.find(l => l.length > 0)
      if (lane === undefined) break
      await lane.shift()!()
    }
    this.#running = false
    this.#onIdle?.()
    const waiters = this.#waiters
    this.#waiters = []
    for (const w of waiters) w()
  }
}
