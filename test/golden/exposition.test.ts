import { readFileSync } from 'node:fs'
import t from 'tap'
import { GOLDEN_FILE, goldenExposition } from './fleet-exposition.js'

t.test('the exposition of the demo fleet at a fixed time equals the committed golden file, byte for byte', async t => {
  const actual = await goldenExposition()
  const expected = readFileSync(GOLDEN_FILE, 'utf8')
  t.equal(actual, expected, 'run `npm run golden` after an intended change and review the diff')
})
