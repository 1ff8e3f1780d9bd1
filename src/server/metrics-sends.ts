/**
 * What slow `/metrics` readers can hold. A response keeps the buffers of the render it was given until the
 * client has read them; readers that connect over a minute would otherwise each pin another 8 MB render. So:
 * while a body is still being sent to someone and is younger than {@link SHARE_MS}, new scrapes (of the same
 * format and encoding) get that same body instead of a newer render (a few seconds older data, no new memory);
 * and a response not sent within {@link SEND_TIMEOUT_MS} is cut (its connection closed). At most about
 * SEND_TIMEOUT_MS / SHARE_MS + 1 bodies per format are held, however many readers there are.
 */
import type { ServerResponse } from 'node:http'
import type { Body } from '../metrics/rendered.js'

/** How long a body being sent is given to new scrapes instead of a newer render. */
export const SHARE_MS = 10_000
/** A `/metrics` response not read by then is cut. */
export const SEND_TIMEOUT_MS = 30_000

interface Shared { body: Body, sinceMs: number, readers: number }

/** See the file comment. */
export class MetricsSends {
  readonly #shared = new Map<string, Shared>()
  readonly #sendTimeoutMs: number
  /** Responses being sent now, and those cut for being too slow (for the tests and the log). */
  inFlight = 0
  cut = 0

  constructor (opts: { sendTimeoutMs?: number } = {}) {
    this.#sendTimeoutMs = opts.sendTimeoutMs ?? SEND_TIMEOUT_MS
  }

  /** The body for a scrape of `key` (format and encoding): the one being sent, when young, else `fresh()`. */
  async take (key: string, fresh: () => Promise<Body>): Promise<{ body: Body, release: () => void }> {
    const now = Date.now()
    let s = this.#shared.get(key)
    if (s === undefined || s.readers === 0 || now - s.sinceMs >= SHARE_MS) {
      s = { body: await fresh(), sinceMs: now, readers: 0 }
      this.#shared.set(key, s)
    }
    const taken = s
    taken.readers++
    let released = false
    return {
      body: taken.body,
      release: () => {
        if (released) return
        released = true
        taken.readers--
        if (taken.readers === 0 && this.#shared.get(key) === taken) this.#shared.delete(key)
      },
    }
  }

  /** Watch a response: released when it closes, cut when not sent in time. */
  watch (res: ServerResponse, release: () => void): void {
    this.inFlight++
    const timer = setTimeout(() => {
      if (res.writableFinished) return
      this.cut++
      res.destroy()
    }, this.#sendTimeoutMs)
    timer.unref()
    res.once('close', () => {
      clearTimeout(timer)
      this.inFlight--
      release()
    })
  }
}
