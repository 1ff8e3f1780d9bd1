/**
 * Reload on change (`--config.auto-reload-interval`, as Prometheus' flag): every interval, read the config
 * file (through any symlinks: Kubernetes swaps a `..data` link when a ConfigMap changes) and the token and
 * TLS files the running config names, and call `reload` when their content differs from the last check and
 * is the same on a second read a moment later (a file being written is not applied half way). After the
 * reload, the content counts as seen only if the config file is still what the reload read (applied, or
 * refused: a refused content is not retried until it changes again); a change written during a reload is
 * applied at the next check.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { textVersion } from './reloader.js'
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
  /** The version of the config text the last reload read (see reloader.ts). */
  seen: () => string
  clock?: Clock
}

/** The version of the config file as it is now ('' when unreadable). */
async function fileVersion (file: string): Promise<string> {
  return readFile(file).then(textVersion, () => '')
}

/** Start watching; returns a function that stops it. */
export async function watchConfig (opts: WatchOptions): Promise<() => void> {
  const clock = opts.clock ?? systemClock
  let last = await fingerprint(configFiles(opts.configFile, opts.config()))
  let timer: CancelTimer | undefined
  let stopped = false
  const settleMs = Math.min(1000, opts.intervalMs / 2)
  const check = async (): Promise<void> => {
    const now = await fingerprint(configFiles(opts.configFile, opts.config()))
    if (now === last) return
    await new Promise<void>(resolve => setTimer(resolve, clock.now() + settleMs, clock))
    if (await fingerprint(configFiles(opts.configFile, opts.config())) !== now) return // still being written
    await opts.reload()
    // What the reload read is seen. The reload may name other token files: watch what is in use now, as it
    // is now, unless the config file changed since the reload read it (then the next check reloads).
    // The fingerprint is read first: a change between the two reads fails the version check (read again next).
    const after = await fingerprint(configFiles(opts.configFile, opts.config()))
    last = await fileVersion(opts.configFile) === opts.seen() ? after : now
  }
  const tick = (): void => {
    timer = setTimer(() => {
      void check().finally(() => { if (!stopped) tick() })
    }, clock.now() + opts.intervalMs, clock)
  }
  tick()
  return () => { stopped = true; timer?.() }
}
