/**
 * Config error messages in the project's words: what is expected, never the validator's raw text. Schemas
 * with their own messages keep them; this map words the rest (wrong type, out of range, unknown option).
 */
import type { z } from 'zod'

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a map of keys',
  record: 'a map of keys',
}

function got (input: unknown): string {
  if (input === undefined) return 'nothing'
  if (input === null) return 'null'
  if (Array.isArray(input)) return 'a list'
  if (typeof input === 'object') return 'a map'
  if (typeof input === 'string') return `text "${input.length > 40 ? `${input.slice(0, 40)}...` : input}"`
  return `${typeof input} ${String(input)}`
}

/** The error map for config files (and the web config). */
export const configErrorMap: z.core.$ZodErrorMap = issue => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required'
      return `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}, got ${got(issue.input)}`
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'must not be empty' : `must be at least ${String(issue.minimum)} characters`
      if (issue.origin === 'array') return `needs at least ${String(issue.minimum)} entries`
      return `must be ${issue.inclusive === false ? 'more than' : 'at least'} ${String(issue.minimum)}`
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${String(issue.maximum)} characters`
      if (issue.origin === 'array') return `takes at most ${String(issue.maximum)} entries`
      return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}`
    case 'invalid_value':
      return `must be one of ${issue.values.map(v => JSON.stringify(v)).join(', ')}`
    case 'invalid_format':
      return `must be ${issue.format === 'regex' ? 'text of the expected form' : `a valid ${issue.format}`}`
    default:
      return undefined
  }
}
