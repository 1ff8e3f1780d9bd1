/**
 * The HTTP app: a Fastify instance with the server's TLS, authentication and request logging, and the
 * {@link exporterRoutes} plugin. Returned unstarted; `main.ts` listens.
 */
import Fastify, { LogController } from 'fastify'
import type { Logger } from 'pino'
import { exporterRoutes, type RouteDeps } from './routes.js'
import { Authenticator, type WebConfig } from './web-config.js'

/** What the app needs. */
export interface AppDeps extends RouteDeps {
  logger: Logger
  /** TLS and authentication of the server (`--web.config.file`). */
  web?: WebConfig
}

/** Paths served without credentials (liveness probes). */
const OPEN_PATHS = new Set(['/healthz'])

const QUIET_ROUTES = new Set(['/metrics', '/healthz', '/readyz'])

/** Build the Fastify app. */
export function buildApp (deps: AppDeps) {
  const app = Fastify({
    loggerInstance: deps.logger,
    // Scrapes and probes arrive every few seconds: do not log them; log everything else.
    logController: new LogController({ disableRequestLogging: req => QUIET_ROUTES.has(req.url.split('?')[0] ?? '') }),
    return503OnClosing: true,
    // At shutdown, close every connection, idle or holding a half-sent request: nothing may keep the process up.
    forceCloseConnections: true,
    ...(deps.web?.tls !== undefined ? { https: { cert: deps.web.tls.cert, key: deps.web.tls.key } } : {}),
  })

  if (deps.web !== undefined) {
    const auth = new Authenticator(deps.web)
    if (auth.enabled) {
      app.addHook('onRequest', async (req, reply) => {
        if (OPEN_PATHS.has(req.url.split('?')[0] ?? '')) return
        if (await auth.check(req.headers.authorization)) return
        return reply.code(401).header('www-authenticate', auth.challenge).type('text/plain').send('Unauthorized\n')
      })
    }
  }

  void app.register(exporterRoutes, deps)
  return app
}

/** The app type. */
export type App = ReturnType<typeof buildApp>
