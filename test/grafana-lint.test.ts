/**
 * The rules of grafana/dashboard-linter, applied to the committed dashboards (without the Go tool): a
 * datasource variable, every panel and query using it, query variables refreshed on time range change with a
 * valid label_values query, a title and a description on every panel, a valid unit on every panel,
 * $__rate_interval in rate/irate/increase, PromQL that parses (promtool, when installed), no panel without
 * queries. Plus this project's rule: a panel in license units shows one unit (repeated by `$unit`).
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { tempDir } from './helpers.js'

const DIR = join(import.meta.dirname, '..', 'grafana', 'dashboards')

interface Target { expr?: string, refId?: string, datasource?: { type?: string, uid?: string } }
interface PanelJson {
  id?: number, type?: string, title?: string, description?: string, repeat?: string
  datasource?: { type?: string, uid?: string }, targets?: Target[]
  fieldConfig?: { defaults?: { unit?: string }, overrides?: Array<{ properties?: Array<{ id?: string, value?: unknown }> }> }
}
interface VariableJson { type?: string, name?: string, label?: string, query?: string, refresh?: number, datasource?: { uid?: string } }
interface DashboardJson { title?: string, panels?: PanelJson[], templating?: { list?: VariableJson[] } }

/** Grafana unit ids (packages/grafana-data valueFormats categories) this project may use. */
const VALID_UNITS = new Set([
  'none', 'string', 'short', 'percent', 'percentunit', 'locale', 'sci',
  'bytes', 'decbytes', 'bool', 'bool_yes_no', 'bool_on_off',
  'dateTimeAsIso', 'dateTimeAsIsoNoDateIfToday', 'dateTimeAsUS', 'dateTimeAsLocal', 'dateTimeAsSystem', 'dateTimeFromNow',
  'ns', 'µs', 'ms', 's', 'm', 'h', 'd', 'dtdurationms', 'dtdurations', 'dthms', 'dtdhms',
  'ops', 'reqps', 'rps', 'cps', 'opm', 'rpm', 'cpm',
])
const DS_REFS = new Set(['$datasource', '${datasource}'])
/** Metrics counted in license units (DDU, host units, cores, PVU...): a panel of them shows one unit. */
const UNIT_BEARING = /\b(license_usage|license_quota|license_remaining|license_overage_usage|license_overage_quota|license_overage_remaining|license_environment_usage|license_bundled_usage|license_ibm_multicluster_peak)\b(?!_)/

/** Grafana's variables made concrete for a parse check, as dashboard-linter does. */
function concrete (expr: string): string {
  return expr.replace(/\$__rate_interval|\$\{__rate_interval\}/g, '5m').replace(/\$__range\b/g, '1d').replace(/\$__interval\b/g, '1m')
    .replace(/\$\{?(\w+)\}?/g, '.*')
}

/** Ranges `[...]` whose enclosing call is rate, irate or increase and that do not use $__rate_interval. */
export function rateWithoutRateInterval (expr: string): string[] {
  const bad: string[] = []
  for (let i = expr.indexOf('['); i !== -1; i = expr.indexOf('[', i + 1)) {
    const end = expr.indexOf(']', i)
    const range = expr.slice(i + 1, end)
    let depth = 0
    let j = i - 1
    for (; j >= 0; j--) {
      if (expr[j] === ')') depth++
      else if (expr[j] === '(') { if (depth === 0) break; depth-- }
    }
    const fn = /(\w+)\s*$/.exec(expr.slice(0, Math.max(0, j)))?.[1]
    if (fn !== undefined && ['rate', 'irate', 'increase'].includes(fn) && range !== '$__rate_interval') bad.push(`${fn}(...[${range}])`)
  }
  return bad
}

/** Brackets, braces, parentheses and quotes balance. */
function balanced (expr: string): boolean {
  const stack: string[] = []
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' }
  let quote: string | undefined
  for (const c of expr) {
    if (quote !== undefined) { if (c === quote) quote = undefined; continue }
    if (c === '"' || c === "'") quote = c
    else if ('([{'.includes(c)) stack.push(c)
    else if (c in pairs && stack.pop() !== pairs[c]) return false
  }
  return stack.length === 0 && quote === undefined
}

const files = readdirSync(DIR).filter(f => f.endsWith('.json'))
const dashboards = files.map(f => [f, JSON.parse(readFileSync(join(DIR, f), 'utf8')) as DashboardJson] as const)

t.test('the rate-interval check itself', async t => {
  t.same(rateWithoutRateInterval('sum(rate(x[5m]))'), ['rate(...[5m])'])
  t.same(rateWithoutRateInterval('increase(x{a="b"}[$__rate_interval])'), [])
  t.same(rateWithoutRateInterval('deriv(x[7d]) > 0 and rate(y[1h])'), ['rate(...[1h])'])
  t.same(rateWithoutRateInterval('predict_linear(x[7d], 86400)'), [])
})

for (const [file, d] of dashboards) {
  t.test(`${file}: dashboard-linter rules`, async t => {
    const vars = d.templating?.list ?? []
    // template-datasource-rule
    const ds = vars.filter(v => v.type === 'datasource')
    t.equal(ds.length, 1, 'template-datasource: one datasource variable')
    t.equal(ds[0]?.name, 'datasource', 'template-datasource: named datasource')
    t.equal(ds[0]?.label, 'Data source', 'template-datasource: labelled Data source')
    t.equal(ds[0]?.query, 'prometheus', 'template-datasource: of type prometheus')
    // template-on-time-change-reload, template-label-promql
    for (const v of vars.filter(x => x.type === 'query')) {
      t.equal(v.refresh, 2, `template-on-time-change-reload: ${v.name}`)
      t.ok(DS_REFS.has(v.datasource?.uid ?? ''), `${v.name}: uses the datasource variable`)
      const m = /^label_values\((?:(.+),\s*)?(\w+)\)$/.exec(v.query ?? '')
      t.ok(m !== null && (m[1] === undefined || balanced(m[1])), `template-label-promql: ${v.name}: ${v.query}`)
    }
    const used = new Set<string>()
    for (const p of d.panels ?? []) {
      const name = `${p.title ?? '(no title)'} (#${p.id})`
      // panel-title-description-rule
      t.ok((p.title ?? '').trim().length > 0 && (p.description ?? '').trim().length > 0, `panel-title-description: ${name}`)
      // panel-datasource-rule
      t.ok(DS_REFS.has(p.datasource?.uid ?? ''), `panel-datasource: ${name}`)
      // panel-units-rule (also bar gauges)
      const unit = p.fieldConfig?.defaults?.unit ?? ''
      t.ok(VALID_UNITS.has(unit), `panel-units: ${name} has a valid unit (${unit})`)
      for (const o of p.fieldConfig?.overrides ?? []) {
        for (const prop of o.properties ?? []) if (prop.id === 'unit') t.ok(VALID_UNITS.has(String(prop.value)), `panel-units: ${name} override unit ${String(prop.value)}`)
      }
      // panel-no-targets-rule
      t.ok((p.targets ?? []).length > 0, `panel-no-targets: ${name}`)
      for (const q of p.targets ?? []) {
        const expr = q.expr ?? ''
        t.ok(DS_REFS.has(q.datasource?.uid ?? ''), `target datasource: ${name} ${q.refId}`)
        // target-rate-interval-rule
        t.same(rateWithoutRateInterval(expr), [], `target-rate-interval: ${name} ${q.refId}`)
        // target-promql-rule (syntax sanity here; promtool parses below)
        t.ok(expr.trim().length > 0 && balanced(expr), `target-promql: ${name} ${q.refId} balanced`)
        for (const v of expr.match(/\$\{?(\w+)\}?/g) ?? []) used.add(v.replace(/[${}]/g, ''))
        // One unit per panel: license units only in a panel repeated by unit, with every such query filtered by it.
        if (unit === 'short' && UNIT_BEARING.test(expr)) {
          t.equal(p.repeat, 'unit', `one unit per panel: ${name} is repeated by $unit`)
          t.match(expr, /\b(unit|metric)=~"\$unit"/, `one unit per panel: ${name} ${q.refId} selects $unit`)
        }
      }
      if (p.repeat !== undefined) used.add(p.repeat)
    }
    // every variable is used (template variables that select nothing confuse readers)
    for (const v of vars.filter(x => x.type === 'query')) {
      t.ok(used.has(v.name ?? '') || vars.some(o => o !== v && (o.query ?? '').includes(`$${v.name ?? ''}`)), `variable ${v.name} is used`)
    }
  })
}

t.test('target-promql: every dashboard query and variable selector parses (promtool check rules)', async t => {
  const exprs: string[] = []
  for (const [, d] of dashboards) {
    for (const p of d.panels ?? []) for (const q of p.targets ?? []) exprs.push(concrete(q.expr ?? ''))
    for (const v of d.templating?.list ?? []) {
      const sel = /^label_values\((.+),\s*\w+\)$/.exec(v.query ?? '')?.[1]
      if (sel !== undefined) exprs.push(concrete(sel))
    }
  }
  const dir = tempDir('license-exporter-lint-')
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'queries.yml')
  writeFileSync(file, `groups:\n  - name: dashboard-queries\n    rules:\n${exprs.map((e, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(e)}\n`).join('')}`)
  const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' })
  if (r.error !== undefined && process.env.CI !== 'true') {
    t.comment('promtool not installed: skipped (CI installs it)')
    return
  }
  t.equal(r.status, 0, `${r.stdout}${r.stderr}`)
  t.match(r.stdout, new RegExp(`SUCCESS: ${exprs.length} rules found`), `${exprs.length} queries parsed`)
})
