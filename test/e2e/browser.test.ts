/**
 * The landing page in a real browser (Debian's chromium driven by playwright-core): served by the exporter
 * on the simulated fleet, at desktop and phone widths. Screenshots go to `.test-artifacts/`.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import t from 'tap'
import { startExporter } from '../../src/exporter.js'
import { createLogger } from '../../src/util/logger.js'
import { tempDir, waitFor } from '../helpers.js'
import { fleetClusters, writeFleetConfig } from '../simulator/fleet.js'
import { startSimulator } from '../simulator/server.js'

const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = join(import.meta.dirname, '..', '..', '.test-artifacts')

t.test('the landing page shows the license position, also at 390 px', async t => {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI === 'true') t.fail('chromium is missing in CI')
    else t.comment('chromium not installed: skipped (CI installs it)')
    return
  }
  const clusters = fleetClusters()
  const sim = await startSimulator(clusters)
  const dir = tempDir()
  const exporter = await startExporter({ configFile: writeFleetConfig(sim, clusters, dir, { interval: '1h', timeout: '2s', staleAfter: '2h' }), host: '127.0.0.1', port: 0, logger: createLogger('silent') })
  t.teardown(async () => {
    await exporter.close()
    await sim.close()
    rmSync(dir, { recursive: true, force: true })
  })
  // Playwright gives the browser a fresh temporary profile and removes it at close.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
  })
  t.teardown(() => browser.close())
  await waitFor(() => exporter.store.allPolled(), 15_000, 'first poll round')
  // The quarter's figures are computed in the background once the round is in.
  await waitFor(async () => (await exporter.app.inject({ url: '/' })).body.includes('IBM multicluster usage'), 15_000, 'the quarter\'s figures')
  mkdirSync(ARTIFACTS, { recursive: true })

  for (const [name, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]] as const) {
    const page = await browser.newPage({ viewport })
    await page.goto(`${exporter.url}/`)
    const card = page.locator('section.card[data-cluster="dt-prod-eu"]')
    t.match(await card.locator('.badge.license').innerText(), 'OVERAGE_QUOTA_REACHED', `${name}: the overage cluster shows its state`)
    t.match(await card.locator('.badge.license').getAttribute('class'), /\bcritical\b/, `${name}: as a red badge`)
    t.match(await page.locator('section.card[data-cluster="dt-legacy"]').innerText(), /down/, `${name}: the failing cluster shows as down`)
    t.match(await page.locator('body').innerText(), /IBM multicluster usage/, `${name}: the multicluster summary`)
    const overflow = await page.evaluate('({ scroll: document.documentElement.scrollWidth, width: window.innerWidth })') as { scroll: number, width: number }
    t.ok(overflow.scroll <= overflow.width, `${name}: no horizontal scrolling (${overflow.scroll} <= ${overflow.width})`)
    await page.screenshot({ path: join(ARTIFACTS, `landing-${name}.png`), fullPage: true })
    await page.close()
  }
})
