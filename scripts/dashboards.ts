/** `npm run dashboards`: write grafana/dashboards/*.json from grafana/dashboards.ts. */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dashboardJson, dashboards } from '../grafana/dashboards.js'

const dir = join(import.meta.dirname, '..', 'grafana', 'dashboards')
for (const [file, d] of Object.entries(dashboards())) {
  writeFileSync(join(dir, file), dashboardJson(d))
  process.stdout.write(`wrote grafana/dashboards/${file}\n`)
}
