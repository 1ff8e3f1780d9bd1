/**
 * Reloading the config without losing a change: a reload asked for while one runs is not dropped but
 * coalesced into one more run after it, which reads the file as it is then (every caller of that time waits
 * for it). Each run reads the file once, parses and applies what it read, and records its version (the
 * SHA-256 of the text, first 12 hex digits), applied or refused, so a watcher knows what was seen.
 */
import { createHash } from 'node:crypto'
import { parseConfig, readConfigText } from './load.js'
import type { Config } from './schema.js'

/** The version of a config text. */
export const textVersion = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex').slice(0, 12)

/** Options of {@link Reloader}. */
export interface ReloaderOptions {
  file: string
  env: NodeJS.ProcessEnv
  /** Apply a valid config (throws nothing). */
  apply: (config: Config, version: string) => void
  /** A refused config: its problem (the old config stays). */
  refused: (error: unknown, version: string) => string
}

/** See the file comment. */
export class Reloader {
  readonly #o: ReloaderOptions
  #running: Promise<string | undefined> | undefined
  #queued: Promise<string | undefined> | undefined
  /** The version in use, and the version of the last text a reload read (applied or refused). */
  applied = ''
  seen = ''

  constructor (opts: ReloaderOptions) {
    this.#o = opts
  }

  /** Read and parse the file (the first load: errors are thrown). */
  async load (): Promise<Config> {
    const text = await readConfigText(this.#o.file)
    const config = await parseConfig(text, this.#o.file, this.#o.env)
    this.applied = this.seen = textVersion(text)
    return config
  }

  /** Reload; resolves to the problem when the file's config was refused (see the file comment). */
  reload (): Promise<string | undefined> {
    if (this.#running === undefined) {
      this.#running = this.#once().finally(() => { this.#running = undefined })
      return this.#running
    }
    const next = (): Promise<string | undefined> => { this.#queued = undefined; return this.reload() }
    this.#queued ??= this.#running.then(next, next)
    return this.#queued
  }

  async #once (): Promise<string | undefined> {
    let version = ''
    try {
      const text = await readConfigText(this.#o.file)
      version = textVersion(text)
      const config = await parseConfig(text, this.#o.file, this.#o.env)
      this.seen = version
      this.#o.apply(config, version)
      this.applied = version
      return undefined
    } catch (err) {
      if (version !== '') this.seen = version
      return this.#o.refused(err, version)
    }
  }
}
