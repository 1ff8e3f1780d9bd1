import bcrypt from 'bcryptjs'
import t from 'tap'
import { Authenticator, type PasswordCompare } from '../../src/server/web-config.js'

const HASH = bcrypt.hashSync('fake-right-password-01', 4)
const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`

/** A compare that records its calls and answers by the real bcrypt. */
function recording (): { compare: PasswordCompare, calls: Array<[string, string]> } {
  const calls: Array<[string, string]> = []
  return { calls, compare: async (password, hash) => { calls.push([password, hash]); return await bcrypt.compare(password, hash) } }
}

t.test('an unknown user costs a comparison against a dummy hash, never none (no timing oracle)', async t => {
  const { compare, calls } = recording()
  const auth = new Authenticator({ tls: undefined, users: { prometheus: HASH }, bearerToken: undefined }, { compare })
  t.equal(await auth.check(basic('nobody', 'whatever')), false)
  t.equal(calls.length, 1, 'one comparison')
  t.not(calls[0]?.[1], HASH, 'against a dummy hash, not a user\'s')
  t.match(calls[0]?.[1], /^\$2[abxy]?\$04\$/, 'of the same cost as the configured hashes')
})

t.test('a verified pair is cached; a failed pair is refused from memory', async t => {
  const { compare, calls } = recording()
  const auth = new Authenticator({ tls: undefined, users: { prometheus: HASH }, bearerToken: undefined }, { compare })
  t.equal(await auth.check(basic('prometheus', 'fake-right-password-01')), true)
  t.equal(await auth.check(basic('prometheus', 'fake-right-password-01')), true)
  t.equal(calls.length, 1, 'the second scrape costs no bcrypt')
  t.equal(await auth.check(basic('prometheus', 'wrong')), false)
  t.equal(await auth.check(basic('prometheus', 'wrong')), false)
  t.equal(calls.length, 2, 'a repeated wrong password costs no bcrypt')
})

t.test('one comparison at a time; beyond the waiting bound attempts are refused without bcrypt', async t => {
  let release: () => void = () => undefined
  const gate = new Promise<void>(resolve => { release = resolve })
  let calls = 0
  let concurrent = 0
  let maxConcurrent = 0
  const compare: PasswordCompare = async () => {
    calls++
    concurrent++
    maxConcurrent = Math.max(maxConcurrent, concurrent)
    await gate
    concurrent--
    return false
  }
  const auth = new Authenticator({ tls: undefined, users: { prometheus: HASH }, bearerToken: undefined }, { compare })
  const attempts = Array.from({ length: 20 }, (_, i) => auth.check(basic('prometheus', `wrong-${i}`)))
  await new Promise(resolve => setImmediate(resolve))
  t.equal(calls, 1, 'one comparison running')
  t.equal(auth.shed, 12, '8 in line (one running); the other 12 refused at once')
  release()
  t.same(await Promise.all(attempts), Array.from({ length: 20 }, () => false))
  t.equal(calls, 8)
  t.equal(maxConcurrent, 1)
})

t.test('user names that are inherited object keys are unknown users, not a crash', async t => {
  const { compare, calls } = recording()
  const auth = new Authenticator({ tls: undefined, users: { prometheus: HASH }, bearerToken: undefined }, { compare })
  for (const user of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) t.equal(await auth.check(basic(user, 'x')), false, user)
  t.ok(calls.every(([, hash]) => typeof hash === 'string' && hash !== HASH), 'compared against the dummy hash only')
})
