/** Structured JSON logs (pino) with secrets redacted by path. Messages are scrubbed where they are made. */
import { pino, type DestinationStream, type Logger } from 'pino'

/** Log levels accepted by `--log.level`. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const

/** Create the process logger. `destination` is for tests that capture the log output. */
export function createLogger (level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: null,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: {
      paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization', 'req.headers.cookie', 'licenseKey', '*.licenseKey', 'contactEmailAddress', '*.contactEmailAddress'],
      censor: '[REDACTED]',
    },
  }
  return destination === undefined ? pino(options) : pino(options, destination)
}
