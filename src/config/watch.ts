/**
 * Reload on change (`--config.auto-reload-interval`, as Prometheus' flag): every interval, read the config
 * file (through any symlinks: Kubernetes swaps a `..data` link when a ConfigMap changes) and the token and
 * TLS files the running config names, and call `reload` when their content differs from the last check.
 * A refused content is not retried until it changes again.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { Config } from './schema.js'
import { setTimer, systemClock, type CancelTimer, type Clock } from '../util/timer.js'

/** The files whose content a config depends on. */
export function configFiles (configFile: string, config: Config | undefined): string[] {
  const files = [configFile]
  for (const c of config?.clusters ?? []) {
    if (c.token_file !== undefined) files.push(c.token_file)
    for (const f of [c.tls.ca_file, c.tls.cert_file, c.tls.key_file]) if (f !== undefined) files.push(f)
    const store = c.type === 'ibm_license_service' ? c.snapshot?.store : undefined
    if (store?.type === 's3') for (const f of [store.access_key_id_file, store.secret_access_key_file, store.tls.ca_file]) if (f !== undefined) files.push(f)
  }
  return files
}

/** A digest of the files' content; a missing file counts as its own state. */
export async function fingerprint (files: readonly string[]): Promise<string> {
  const hash = createHash('sha256')
  for (const f of files) {
    hash.update(f).update('\0')
    try {
      hash.update(await readFile(f))
    } catch (err) {
      hash.update(`<${(err as NodeJS.ErrnoException).code ?? 'unreadable'}>`)
    }
    hash.update('\0')
  }
  return hash.digest('hex')
}

/** Options of {@link watchConfig}. */
export interface WatchOptions {
  configFile: string
  intervalMs: number
  /** The config in use (its token and TLS files are watched too). */
  config: () => Config
  /** Reload; resolves to the problem when the new config was refused. */
  reload: () => Promise<string | undefined>
  clock?: Clock
}

/** Start watching; returns a function that stops it. */
export async function watchConfig (opts: WatchOptions): Promise<() => void> {
  const clock = opts.clock ?? systemClock
  let last = await fingerprint(configFiles(opts.configFile, opts.config()))
  let timer: CancelTimer | undefined
  let stopped = false
  const check = async (): Promise<void> => {
    const now = await fingerprint(configFiles(opts.configFile, opts.config()))
    if (now === last) return
    last = now
    await opts.reload()
    // The reload may name other token files: watch what is in use now, as it is now.
    last = await fingerprint(configFiles(opts.configFile, opts.config()))
  }
  const tick = (): void => {
    timer = setTimer(() => {
      void check().finally(() => { if (!stopped) tick() })
    }, clock.now() + opts.intervalMs, clock)
  }
  tick()
  return () => { stopped = true; timer?.() }
}
