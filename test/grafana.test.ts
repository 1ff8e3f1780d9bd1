import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { dashboardJson, dashboards } from '../grafana/dashboards.js'
import { CATALOGUE } from '../src/metrics/catalogue.js'

const DIR = join(import.meta.dirname, '..', 'grafana', 'dashboards')

interface PanelJson { id?: number, title?: string, datasource?: { uid?: string }, targets?: Array<{ expr?: string, datasource?: { uid?: string } }> }
interface DashboardJson { uid?: string, panels?: PanelJson[], templating?: { list?: Array<{ name?: string, type?: string }> }, links?: Array<{ type?: string, tags?: string[] }> }

t.test('the committed dashboard JSON is what grafana/dashboards.ts builds (run `npm run dashboards`)', async t => {
  const built = dashboards()
  t.same(readdirSync(DIR).filter(f => f.endsWith('.json')).sort(), Object.keys(built).sort())
  for (const [file, d] of Object.entries(built)) t.equal(readFileSync(join(DIR, file), 'utf8'), dashboardJson(d), file)
})

t.test('dashboard rules: datasource variable, every panel and query uses it, metrics are catalogued, links', async t => {
  const known = new Set<string>([...Object.keys(CATALOGUE), 'license_exporter_build_info'])
  const uids = new Set<string>()
  for (const file of readdirSync(DIR).filter(f => f.endsWith('.json'))) {
    const d = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as DashboardJson
    t.ok(d.uid !== undefined && !uids.has(d.uid), `${file}: unique uid`)
    uids.add(d.uid ?? '')
    const vars = d.templating?.list ?? []
    t.ok(vars.some(v => v.name === 'datasource' && v.type === 'datasource'), `${file}: a datasource variable`)
    t.ok(d.links?.some(l => l.type === 'dashboards' && l.tags?.includes('license-exporter')), `${file}: links to the others`)
    const ids = new Set<number>()
    for (const p of d.panels ?? []) {
      t.equal(p.datasource?.uid, '${datasource}', `${file} / ${p.title}: panel datasource`)
      t.ok(p.id !== undefined && !ids.has(p.id), `${file} / ${p.title}: unique id`)
      ids.add(p.id ?? 0)
      t.ok((p.targets ?? []).length > 0, `${file} / ${p.title}: has queries`)
      for (const q of p.targets ?? []) {
        t.equal(q.datasource?.uid, '${datasource}')
        for (const name of q.expr?.match(/\blicense_[a-z_]+/g) ?? []) t.ok(known.has(name), `${file} / ${p.title}: ${name} is a known metric`)
      }
    }
  }
})
