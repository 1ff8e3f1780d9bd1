/**
 * Decoding of a large JSON array without holding the event loop: the text is scanned for its top-level
 * elements a slice at a time, and each element is parsed and validated on its own, yielding to the event loop
 * every few milliseconds. A 50 MB IBM `/products` body then never stalls `/metrics` for more than a slice.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { z } from 'zod'

/** Longest stretch of work between two turns of the event loop. */
const SLICE_MS = 8

/**
 * The top-level elements of the JSON array in `text`, as [start, end) offsets, found by a scan that tracks
 * strings, escapes and nesting. Undefined when `text` is not one array (the caller falls back to JSON.parse,
 * which reports the error).
 */
async function arrayElements (text: string): Promise<Array<[number, number]> | undefined> {
  let i = 0
  while (i < text.length && /\s/.test(text[i]!)) i++
  if (text[i] !== '[') return undefined
  const out: Array<[number, number]> = []
  let depth = 0
  let inString = false
  let start = -1
  let sliceStart = performance.now()
  for (i++; i < text.length; i++) {
    if ((i & 0xffff) === 0 && performance.now() - sliceStart > SLICE_MS) { await nextTurn(); sliceStart = performance.now() }
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
      continue
    }
    if (c === 0x22) { inString = true; if (start < 0) start = i; continue }
    if (c === 0x5b || c === 0x7b) { if (start < 0) start = i; depth++; continue }
    if (c === 0x5d || c === 0x7d) {
      if (depth === 0) { // the closing bracket of the array
        if (start >= 0) out.push([start, i])
        return text.slice(i + 1).trim() === '' ? out : undefined
      }
      depth--
      continue
    }
    if (c === 0x2c && depth === 0) { if (start >= 0) out.push([start, i]); start = -1; continue }
    if (start < 0 && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) start = i
  }
  return undefined
}

/** An element that failed: its index and the issues of its own validation. */
export interface ElementError {
  index: number
  issues: z.core.$ZodIssue[]
}

/**
 * Parse and validate a JSON array element by element, in slices. Resolves to the validated array, or to the
 * first failing element; undefined when `text` is not a well-formed array (let JSON.parse say why).
 */
export async function decodeArrayInSlices<T> (text: string, element: z.ZodType<T>): Promise<{ ok: true, value: T[] } | { ok: false, error: ElementError } | undefined> {
  const spans = await arrayElements(text)
  if (spans === undefined) return undefined
  const value: T[] = []
  let sliceStart = performance.now()
  for (let index = 0; index < spans.length; index++) {
    if (performance.now() - sliceStart > SLICE_MS) { await nextTurn(); sliceStart = performance.now() }
    const [from, to] = spans[index]!
    let raw: unknown
    try {
      raw = JSON.parse(text.slice(from, to))
    } catch {
      return undefined
    }
    const parsed = element.safeParse(raw)
    if (!parsed.success) return { ok: false, error: { index, issues: parsed.error.issues } }
    value.push(parsed.data)
  }
  return { ok: true, value }
}
