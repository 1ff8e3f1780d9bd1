import t from 'tap'
import { compare, comparisonSamples, covers, overlap, usageKey, usageRatio } from '../../src/sources/entitlements.js'

const mq = { product: 'IBM MQ', product_id: 'p-mq', unit: 'VPC' }

t.test('covering, overlapping and comparing', async t => {
  t.ok(covers({ product: 'IBM MQ', unit: 'VPC', quota: 1 }, mq))
  t.ok(covers({ product_id: 'p-mq', unit: 'VPC', quota: 1 }, mq))
  t.notOk(covers({ product: 'IBM MQ', unit: 'PVU', quota: 1 }, mq))
  t.notOk(covers({ product: 'IBM MQ', product_id: 'other', unit: 'VPC', quota: 1 }, mq))
  t.ok(overlap({ product: 'A', unit: 'VPC', quota: 1 }, { product_id: 'x', unit: 'VPC', quota: 1 }), 'by name and by id may meet in one record')
  t.notOk(overlap({ product: 'A', unit: 'VPC', quota: 1 }, { product: 'B', unit: 'VPC', quota: 1 }))
  t.notOk(overlap({ product: 'A', unit: 'VPC', quota: 1 }, { product: 'A', unit: 'PVU', quota: 1 }))
  t.equal(usageKey(mq), 'IBM MQ\0p-mq\0VPC')
  t.same([usageRatio(3, 4), usageRatio(1, 0), usageRatio(0, 0)], [0.75, Infinity, 0])
  const [c] = compare([{ product: 'IBM MQ', unit: 'VPC', quota: 0 }], [{ ...mq, quantity: 2 }, { ...mq, quantity: 1 }])
  t.same(c, { ...mq, quota: 0, usage: 3, remaining: -3, ratio: Infinity }, 'records covered are summed; quota 0 with usage is +Inf')
  t.same(comparisonSamples(c!).map(s => [s.metric, s.value]), [['license_quota', 0], ['license_remaining', -3], ['license_usage_ratio', Infinity]])
  const [none] = compare([{ product: 'Db2', unit: 'VPC', quota: 4 }], [{ ...mq, quantity: 2 }])
  t.same(comparisonSamples(none!).map(s => s.metric), ['license_quota'], 'no usage: the quota alone')
})

t.test('covers: an entitlement by name, by id, or by both', async t => {
  const rec = { product: 'IBM MQ', product_id: 'p-mq', unit: 'VPC' }
  t.ok(covers({ product: 'IBM MQ', product_id: 'p-mq', unit: 'VPC', quota: 1 }, rec), 'both given and equal')
  t.notOk(covers({ product: 'IBM MQ Advanced', unit: 'VPC', quota: 1 }, rec), 'names compare whole, not by prefix')
  t.notOk(covers({ product: 'ibm mq', unit: 'VPC', quota: 1 }, rec), 'and with case')
  t.notOk(covers({ product_id: 'p-mq', unit: 'vpc', quota: 1 }, rec), 'units compare exactly')
  t.ok(covers({ product: 'Dynatrace', unit: 'host', quota: 1 }, { product: 'Dynatrace', product_id: '', unit: 'host' }), 'an empty product id (Dynatrace) is fine')
})

t.test('usageKey tells apart what naive joining would merge', async t => {
  t.not(usageKey({ product: 'a b', product_id: '', unit: 'c' }), usageKey({ product: 'a', product_id: 'b', unit: 'c' }))
  t.not(usageKey({ product: 'a', product_id: '', unit: 'bc' }), usageKey({ product: 'a', product_id: 'b', unit: 'c' }))
  t.equal(usageKey({ product: 'x', product_id: 'y', unit: 'z', quantity: 5 } as { product: string, product_id: string, unit: string }), 'x\0y\0z', 'quantity is no part of it')
})

t.test('compare: quota 0, exact use, under use; labels from the usage record', async t => {
  const usage = [{ product: 'IBM MQ', product_id: 'p-mq', unit: 'VPC', quantity: 4 }, { product: 'Db2', product_id: 'p-db2', unit: 'VPC', quantity: 0 }]
  const [zeroQuotaUsed, zeroQuotaIdle, exact, byId, missing] = compare([
    { product: 'IBM MQ', unit: 'VPC', quota: 0 },
    { product: 'Db2', unit: 'VPC', quota: 0 },
    { product: 'IBM MQ', unit: 'VPC', quota: 4 },
    { product_id: 'p-mq', unit: 'VPC', quota: 10 },
    { product: 'Nothing', product_id: 'p-none', unit: 'PVU', quota: 7 },
  ], usage)
  t.same([zeroQuotaUsed!.remaining, zeroQuotaUsed!.ratio], [-4, Infinity], 'quota 0, used: over by all of it')
  t.same([zeroQuotaIdle!.usage, zeroQuotaIdle!.remaining, zeroQuotaIdle!.ratio], [0, 0, 0], 'quota 0, not used: ratio 0, not NaN')
  t.same([exact!.remaining, exact!.ratio], [0, 1])
  t.same([byId!.product, byId!.product_id, byId!.remaining, byId!.ratio], ['IBM MQ', 'p-mq', 6, 0.4], 'by id: the product name comes from the usage')
  t.same(missing, { product: 'Nothing', product_id: 'p-none', unit: 'PVU', quota: 7, usage: undefined, remaining: undefined, ratio: undefined }, 'no match: labels from the entitlement')
  t.same(comparisonSamples(zeroQuotaIdle!).map(s => [s.metric, s.value]), [['license_quota', 0], ['license_remaining', 0], ['license_usage_ratio', 0]])
  t.same(comparisonSamples(missing!).map(s => s.labels), [{ product: 'Nothing', product_id: 'p-none', unit: 'PVU' }])
  t.same(compare([], usage), [])
})
