/** `npm run golden`: rewrite test/golden/exposition.prom from the demo fleet (review the diff before committing). */
import { writeFileSync } from 'node:fs'
import { GOLDEN_FILE, goldenExposition } from '../test/golden/fleet-exposition.js'

writeFileSync(GOLDEN_FILE, await goldenExposition())
process.stdout.write(`wrote ${GOLDEN_FILE}\n`)
