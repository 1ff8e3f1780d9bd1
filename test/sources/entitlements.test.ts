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
