/**
 * The connections of one poll to one cluster. A poll reads a few endpoints in parallel and then ends, and its
 * connections are closed with it, so a full undici Pool (which allocates a 2,048-slot queue up front) is more
 * than it needs: each request takes an idle connection of this poll or opens one, up to a limit.
 */
import { Client, buildConnector, errors, type Dispatcher } from 'undici'

/**
 * The reason given to undici when a poll's connections are closed. One instance for all: undici would make an
 * error per connection otherwise, and Node formats its stack trace as it destroys the socket (about 5 % of a
 * poll round's CPU and 11 MB of its allocation at 1,000 clusters, measured with the bench's profiles).
 */
const CLOSED = new errors.ClientDestroyedError()

/** Options of the connections: undici's per-connection options, with `connect` as connector options. */
export interface ConnectionsOptions extends Omit<Client.Options, 'connect'> {
  connect: buildConnector.BuildOptions
  /** At most this many connections; requests beyond wait in a connection's queue. */
  max: number
}

/** Up to `max` HTTP/1.1 connections to one origin, opened on demand and reused once idle. */
export class Connections {
  readonly #origin: string
  readonly #client: Client.Options
  readonly #max: number
  readonly #open: Client[] = []
  readonly #idle: Client[] = []
  #next = 0
  #destroyed = false

  constructor (origin: string, opts: ConnectionsOptions) {
    const { connect, max, ...client } = opts
    this.#origin = origin
    this.#max = Math.max(1, max)
    // One connector for all connections: one TLS session cache, one secure context.
    this.#client = { ...client, connect: buildConnector(connect) }
  }

  /** Send a request on an idle connection, a new one, or (at the limit) behind another request. */
  async request (opts: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
    if (this.#destroyed) throw new errors.ClientDestroyedError()
    const client = this.#take()
    let res: Dispatcher.ResponseData
    try {
      res = await client.request(opts)
    } catch (err) {
      this.#release(client)
      throw err
    }
    // Idle again once the body is read or dropped.
    res.body.once('close', () => { this.#release(client) })
    return res
  }

  /** Close every connection now (requests in flight fail). */
  async destroy (): Promise<void> {
    this.#destroyed = true
    this.#idle.length = 0
    await Promise.all(this.#open.splice(0).map(c => c.destroy(CLOSED)))
  }

  #take (): Client {
    const idle = this.#idle.pop()
    if (idle !== undefined) return idle
    if (this.#open.length < this.#max) {
      const client = new Client(this.#origin, this.#client)
      this.#open.push(client)
      return client
    }
    return this.#open[this.#next++ % this.#open.length] as Client
  }

  #release (client: Client): void {
    if (this.#destroyed || client.destroyed || client.closed || this.#idle.includes(client)) return
    this.#idle.push(client)
  }
}
