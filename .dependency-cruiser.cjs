/**
 * The direction of imports inside src/ (docs/architecture.md explains each rule). `npm test` runs
 * `depcruise src`; a wrong import fails it with the rule's name and this comment's reason.
 */
const layer = (name) => `^src/${name}/`

module.exports = {
  forbidden: [
    {
      name: 'util-is-a-leaf',
      comment: 'src/util holds generic helpers (timers, redaction, durations); it imports nothing else from src.',
      severity: 'error',
      from: { path: layer('util') },
      to: { path: '^src/', pathNot: layer('util') },
    },
    {
      name: 'sources-stay-vendor-side',
      comment: 'Sources talk to vendor APIs and map responses to samples. They never import config, polling, archive, licensing, metrics (except the metric catalogue, the vocabulary of samples) or server.',
      severity: 'error',
      from: { path: layer('sources') },
      to: { path: '^src/(config|polling|archive|licensing|server)/|^src/metrics/(?!catalogue\\.ts$)|^src/(main|exporter)\\.ts$' },
    },
    {
      name: 'config-reads-sources-schemas-only',
      comment: 'The config imports the sources\' schemas (through the registry) and nothing that runs.',
      severity: 'error',
      from: { path: layer('config') },
      to: { path: '^src/(polling|archive|licensing|metrics|server)/|^src/(main|exporter)\\.ts$' },
    },
    {
      name: 'polling-below-the-consumers',
      comment: 'Polling feeds the store; it does not know about reports, metrics rendering (the catalogue of names aside) or HTTP.',
      severity: 'error',
      from: { path: layer('polling') },
      to: { path: '^src/(archive|licensing|server)/|^src/metrics/(?!catalogue\\.ts$)|^src/(main|exporter)\\.ts$' },
    },
    {
      name: 'archive-below-licensing',
      comment: 'The evidence vault writes and reads archives; reports read it, not the other way round.',
      severity: 'error',
      from: { path: layer('archive') },
      to: { path: '^src/(licensing|metrics|server)/|^src/(main|exporter)\\.ts$' },
    },
    {
      name: 'licensing-is-pure-domain',
      comment: 'Licensing computes reports from the store and the archive; it does not render metrics or serve HTTP.',
      severity: 'error',
      from: { path: layer('licensing') },
      to: { path: '^src/(metrics|server)/|^src/(main|exporter)\\.ts$' },
    },
    {
      name: 'metrics-render-only',
      comment: 'Metrics render the store: no licensing, no HTTP, no config.',
      severity: 'error',
      from: { path: layer('metrics') },
      to: { path: '^src/(licensing|server|config|archive)/|^src/(main|exporter)\\.ts$' },
    },
    {
      name: 'metrics-no-io',
      comment: 'Metrics never do I/O: no file system, network or child processes.',
      severity: 'error',
      from: { path: layer('metrics') },
      to: { path: '^(node:)?(fs|fs/promises|net|http|https|child_process|dgram|dns)$|^undici$', dependencyTypes: ['core', 'npm'] },
    },
    {
      name: 'server-is-the-top-layer-but-not-the-root',
      comment: 'The server gets its dependencies from the composition root; it never imports it.',
      severity: 'error',
      from: { path: layer('server') },
      to: { path: '^src/(main|exporter)\\.ts$' },
    },
    {
      name: 'only-main-imports-exporter',
      comment: 'exporter.ts is the composition root; only main.ts (and tests, scripts) import it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/main\\.ts$' },
      to: { path: '^src/exporter\\.ts$' },
    },
    {
      name: 'no-circular',
      comment: 'Import cycles hide the direction of the design.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
}
