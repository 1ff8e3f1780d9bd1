/**
 * One scheduler for per-key work (polling a cluster, downloading its snapshot): reconcile the keys with a
 * new config (unchanged entries keep their schedule, changed and removed ones are retired), run an entry at a
 * time, cancel. The only place where the poller and the archiver set timers.
 */
import { setTimer, systemClock, type CancelTimer, type Clock } from '../util/timer.js'

/** One scheduled key and the state its owner keeps for it. */
export interface Slot<T> {
  readonly name: string
  /** Identity of the entry's settings: a reload that leaves it unchanged keeps the slot and its schedule. */
  readonly key: string
  readonly state: T
  /** Set when a reload dropped or replaced the entry. */
  removed: boolean
}

interface Timed<T> extends Slot<T> { cancel: CancelTimer | undefined }

/** What a reconcile did. */
export interface Reconciled<T> {
  added: Array<Slot<T>>
  retired: Array<Slot<T>>
}

/** Per-key timers over one clock. */
export class Scheduler<T> {
  readonly clock: Clock
  #slots = new Map<string, Timed<T>>()

  constructor (clock: Clock = systemClock) {
    this.clock = clock
  }

  /**
   * Make the slots match `wanted`, in its order: an entry whose key is unchanged is kept, others are created
   * by `create`; dropped and replaced slots are cancelled, marked removed and returned as retired.
   */
  reconcile (wanted: Iterable<{ name: string, key: string }>, create: (name: string) => T): Reconciled<T> {
    const next = new Map<string, Timed<T>>()
    const added: Array<Slot<T>> = []
    const retired: Array<Slot<T>> = []
    for (const { name, key } of wanted) {
      const old = this.#slots.get(name)
      if (old !== undefined && old.key === key) { next.set(name, old); continue }
      const slot: Timed<T> = { name, key, state: create(name), removed: false, cancel: undefined }
      next.set(name, slot)
      added.push(slot)
    }
    for (const [name, old] of this.#slots) {
      if (next.get(name) !== old) {
        this.cancel(old)
        old.removed = true
        retired.push(old)
      }
    }
    this.#slots = next
    return { added, retired }
  }

  /** Run `fn` for a slot at `atMs` (Unix ms), replacing its earlier timer. Removed slots are not scheduled. */
  at (slot: Slot<T>, atMs: number, fn: () => void): void {
    const timed = slot as Timed<T>
    if (timed.removed) return
    timed.cancel?.()
    timed.cancel = setTimer(() => { timed.cancel = undefined; fn() }, atMs, this.clock)
  }

  /** Whether a slot has a timer set. */
  pending (slot: Slot<T>): boolean {
    return (slot as Timed<T>).cancel !== undefined
  }

  /** Cancel a slot's timer. */
  cancel (slot: Slot<T>): void {
    const timed = slot as Timed<T>
    timed.cancel?.()
    timed.cancel = undefined
  }

  /** Cancel every timer (the slots stay). */
  cancelAll (): void {
    for (const slot of this.#slots.values()) this.cancel(slot)
  }

  /** A slot by name. */
  get (name: string): Slot<T> | undefined { return this.#slots.get(name) }

  /** All slots, in config order. */
  slots (): Array<Slot<T>> { return [...this.#slots.values()] }
}
