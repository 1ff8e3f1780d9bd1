/** The exporter's version, from package.json. */
import { createRequire } from 'node:module'

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string }

/** Version of this build. */
export const VERSION: string = pkg.version
