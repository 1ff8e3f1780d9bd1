/**
 * The process's signals, caught from the first line of `main`: a SIGHUP (whose default action ends the
 * process) or a SIGTERM / SIGINT that comes while the exporter starts is kept, and acted on once it has
 * started (`onHup`, `onStop` set).
 */
export const signals = {
  hup: false,
  stop: undefined as string | undefined,
  onHup: undefined as (() => void) | undefined,
  onStop: undefined as ((signal: string) => void) | undefined,
}

const caught = { hup: false, stops: false }

/** Catch SIGHUP (and with `stops`, SIGTERM and SIGINT: the server's run); once per process. */
export function catchSignals (stops: boolean): void {
  if (!caught.hup) {
    caught.hup = true
    process.on('SIGHUP', () => { if (signals.onHup !== undefined) signals.onHup(); else signals.hup = true })
  }
  if (!stops || caught.stops) return
  caught.stops = true
  const stop = (signal: string): void => { if (signals.onStop !== undefined) signals.onStop(signal); else signals.stop ??= signal }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}
