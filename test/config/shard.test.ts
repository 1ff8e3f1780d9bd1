import fc from 'fast-check'
import t from 'tap'
import { parseConfig } from '../../src/config/load.js'
import { inShard, parseShard, shardConfig, shardHash } from '../../src/config/shard.js'
import { startSimulator } from '../simulator/server.js'
import { startExporter } from '../../src/exporter.js'
import { createLogger } from '../../src/util/logger.js'
import { LogCapture, tempDir } from '../helpers.js'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

t.test('parse', async t => {
  t.same(parseShard('0/1'), { index: 0, total: 1 })
  t.same(parseShard(' 2/3 '), { index: 2, total: 3 })
  t.equal(parseShard('3/3'), undefined)
  t.equal(parseShard('1/0'), undefined)
  t.equal(parseShard('a/b'), undefined)
  // FNV-1a 32-bit, pinned to literal values (published vectors for '' and 'a'; the rest computed independently).
  t.equal(shardHash(''), 0x811c9dc5)
  t.equal(shardHash('a'), 0xe40c292c)
  t.equal(shardHash('foobar'), 0xbf9cf968)
  t.equal(shardHash('dt-prod-eu'), 0x12bb23d6)
  t.equal(shardHash('ocp-prod-1'), 0x15ae763b)
  t.equal(shardHash('b'), 0xe70c2de5)
  t.equal(shardHash('ocp-prod-2'), 0x16ae77ce)
  t.equal(shardHash('Zürich'), 0xd7007f20, 'hashed over UTF-8 bytes, not UTF-16 code units')
  t.equal(shardHash('日本'), 0x9f26ee51)
})

t.test('shard membership pinned: a cluster stays in its shard across versions', async t => {
  // Hash mod TOTAL, from the literal hashes above (computed independently with a Python FNV-1a).
  t.same(['cluster-0', 'cluster-1', 'Zürich', '日本'].map(n => [0, 1, 2].find(index => inShard(n, { index, total: 3 }))), [0, 2, 2, 0])
  t.same(['a', 'b', 'foobar'].map(n => inShard(n, { index: 0, total: 2 })), [true, false, true])
})

t.test('two shards of one config poll disjoint sets whose union is the whole config', async t => {
  const names = Array.from({ length: 200 }, (_, i) => `cluster-${i}`)
  const config = await parseConfig(`clusters:\n${names.map(n => `  - { name: ${n}, type: dynatrace_managed, url: "https://${n}.example.com", token: t }`).join('\n')}\n`, 'x.yaml')
  const a = shardConfig(config, { index: 0, total: 2 }).clusters.map(c => c.name)
  const b = shardConfig(config, { index: 1, total: 2 }).clusters.map(c => c.name)
  t.same(a.filter(n => b.includes(n)), [], 'disjoint')
  t.same([...a, ...b].sort(), [...names].sort(), 'union is the whole')
  t.ok(a.length > 70 && b.length > 70, `balanced enough: ${a.length} / ${b.length}`)
  t.equal(shardConfig(config, undefined), config)
})

t.test('property: for any names and any TOTAL, every name is in exactly one shard', async t => {
  fc.assert(fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 50 }), fc.integer({ min: 1, max: 16 }), (names, total) =>
    names.every(n => Array.from({ length: total }, (_, index) => inShard(n, { index, total })).filter(Boolean).length === 1)), { numRuns: 300 })
  t.pass()
})

t.test('two running shards split the clusters; only unsharded exporters emit the _all sums', async t => {
  const names = Array.from({ length: 12 }, (_, i) => `ocp-${i}`)
  const sim = await startSimulator(Object.fromEntries(names.map(n => [n, { kind: 'ibm' as const, token: `shard-tok-${n}` }])))
  const dir = tempDir()
  const file = join(dir, 'config.yaml')
  writeFileSync(file, [
    'global: { entitlements: [{ product: "IBM MQ Advanced", unit: VIRTUAL_PROCESSOR_CORE, quota: 100 }] }', 'clusters:',
    ...names.map(n => `  - { name: ${n}, type: ibm_license_service, url: "${sim.baseUrl(n)}", token: shard-tok-${n} }`),
  ].join('\n') + '\n')
  const start = (shard?: { index: number, total: number }) => startExporter({ configFile: file, host: '127.0.0.1', port: 0, logger: createLogger('warn', new LogCapture()), ...(shard !== undefined ? { shard } : {}) })
  const [s0, s1] = await Promise.all([start({ index: 0, total: 2 }), start({ index: 1, total: 2 })])
  t.teardown(async () => { await s0.close(); await s1.close(); await sim.close() })
  const polled = (e: typeof s0): string[] => e.store.list().map(c => c.id.name)
  t.same([...polled(s0), ...polled(s1)].sort(), [...names].sort())
  t.same(polled(s0).filter(n => polled(s1).includes(n)), [])
  await s0.clusterMetrics.refresh()
  const m = await (await fetch(`${s0.url}/metrics`)).text()
  t.notMatch(m, /cluster="_all"/, 'a shard does not claim the global sum')
})
