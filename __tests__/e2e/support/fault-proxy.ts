// A loopback HTTP proxy between a Docker engine and the e2e registry that injects faults
// (error statuses, connection resets, resets mid-upload, latency, hangs) into chosen kinds of
// registry requests, and records every request. Started in-process by tests:
//
//   const proxy = await FaultProxy.start({ target: '127.0.0.1:5000', rules: [
//     { kinds: ['manifest-put'], action: { status: 503 }, times: 2 } ] })
//   docker login proxy.host … ; docker push `${proxy.host}/e2e/app:1` …
//
// Docker treats every 127.0.0.0/8 registry as plain HTTP, so the proxy needs no TLS. The Host
// header goes to the registry as the client sent it: distribution builds upload `Location`s from
// it, so they point back at the proxy (any Location naming the target is rewritten anyway).
//
// The kinds of requests, the faults and the records are in fault-proxy/rules.ts.
import * as http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Transform } from 'node:stream'
import { classify, describeAction, type FaultProxyOptions, type FaultRule, type Kind, type RecordedRequest } from './fault-proxy/rules.js'

export { classify, type FaultAction, type FaultProxyOptions, type FaultRule, type Kind, type RecordedRequest } from './fault-proxy/rules.js'

const ERROR_CODES: Record<number, [string, string]> = {
  400: ['UNSUPPORTED', 'The operation is unsupported.'],
  401: ['UNAUTHORIZED', 'authentication required'],
  403: ['DENIED', 'requested access to the resource is denied'],
  404: ['NAME_UNKNOWN', 'repository name not known to registry'],
  429: ['TOOMANYREQUESTS', 'too many requests'],
  500: ['UNKNOWN', 'unknown error']
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer'])

/** Raw header pairs without hop-by-hop ones (Node adds its own framing). */
function endToEnd(raw: string[], map?: (name: string, value: string) => string): string[] {
  const out: string[] = []
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    if (!HOP_BY_HOP.has(name.toLowerCase())) out.push(name, map ? map(name, raw[i + 1]!) : raw[i + 1]!)
  }
  return out
}

export class FaultProxy {
  readonly requests: RecordedRequest[] = []
  private rules: FaultRule[] = []
  private writeRights?: Record<string, RegExp>
  private used: number[] = []
  private readonly sockets = new Set<Socket>()
  private readonly started = Date.now()

  private constructor(
    private readonly server: http.Server,
    readonly target: string,
    /** 127.0.0.1:<port>: use as the registry in `docker login` and image references. */
    readonly host: string
  ) {}

  static async start(opts: FaultProxyOptions): Promise<FaultProxy> {
    const server = http.createServer()
    // Go keeps idle connections 90 s: outlive that so the proxy never closes one under a request.
    server.keepAliveTimeout = 120_000
    server.requestTimeout = 0
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', resolve)
    })
    const port = (server.address() as AddressInfo).port
    const proxy = new FaultProxy(server, opts.target, `127.0.0.1:${port}`)
    proxy.setRules(opts.rules ?? [])
    proxy.writeRights = opts.writeRights
    server.on('connection', s => {
      proxy.sockets.add(s)
      s.on('close', () => proxy.sockets.delete(s))
    })
    server.on('request', (req, res) => proxy.handle(req, res))
    return proxy
  }

  /** Replace the rules; their `times` counters start again from zero. */
  setRules(rules: FaultRule[]): void {
    this.rules = [...rules]
    this.used = rules.map(() => 0)
  }

  /** Forget the recorded requests (rules and their counters stay). */
  clearRequests(): void {
    this.requests.length = 0
  }

  count(kind: Kind | 'any', filter: { faulted?: boolean; method?: string } = {}): number {
    return this.requests.filter(
      r =>
        (kind === 'any' || r.kind === kind) &&
        (filter.faulted === undefined || r.faulted === filter.faulted) &&
        (filter.method === undefined || r.method === filter.method)
    ).length
  }

  /** Finished layer/config uploads: PUTs of blob uploads that the registry answered 201. */
  completedBlobUploads(): number {
    return this.requests.filter(r => r.kind === 'blob-upload' && r.method === 'PUT' && r.status === 201).length
  }

  async close(): Promise<void> {
    const closed = new Promise<void>(resolve => this.server.close(() => resolve()))
    for (const s of this.sockets) s.destroy()
    await closed
  }

  /** A write that `writeRights` does not allow to the request's Basic-auth user. */
  private deniedWrite(req: http.IncomingMessage): boolean {
    if (!this.writeRights || !['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method ?? '')) return false
    const repo = /^\/v2\/(.+?)\/(blobs|manifests|tags)\//.exec(req.url ?? '')?.[1]
    if (!repo) return false
    const auth = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    const user = auth ? Buffer.from(auth, 'base64').toString().split(':')[0]! : ''
    const allowed = this.writeRights[user]
    return !allowed || !allowed.test(repo)
  }

  /** The first rule that matches and is not used up (resetAfterBytes rules are consumed when they fire). */
  private pick(kind: Kind, method: string, url: string, userAgent = ''): number {
    return this.rules.findIndex(
      (r, i) =>
        (r.kinds === 'any' || r.kinds.includes(kind)) &&
        (r.methods === undefined || r.methods.includes(method)) &&
        (r.path === undefined || r.path.test(url)) &&
        (r.userAgent === undefined || r.userAgent.test(userAgent)) &&
        (r.times === undefined || this.used[i]! < r.times)
    )
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const method = req.method ?? 'GET'
    const kind = classify(method, req.url ?? '/', req.headers.authorization !== undefined)
    const rec: RecordedRequest = {
      method,
      path: req.url ?? '/',
      kind,
      status: null,
      faulted: false,
      at: Date.now() - this.started,
      ms: 0,
      bytesIn: 0
    }
    this.requests.push(rec)
    const t0 = Date.now()
    let done = false
    const finish = (status: number | null): void => {
      if (done) return
      done = true
      rec.status = status
      rec.ms = Date.now() - t0
    }
    res.on('finish', () => finish(res.statusCode))
    res.on('close', () => finish(res.writableFinished ? res.statusCode : null))

    if (this.deniedWrite(req)) {
      Object.assign(rec, { faulted: true, fault: 'denied' })
      req.resume()
      req.on('end', () => {
        const text = JSON.stringify({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied', detail: null }] })
        res.writeHead(403, { 'Content-Type': 'application/json; charset=utf-8', 'Docker-Distribution-Api-Version': 'registry/2.0' })
        res.end(text)
      })
      return
    }
    const i = this.pick(kind, method, req.url ?? '/', req.headers['user-agent'] ?? '')
    const rule = i >= 0 ? this.rules[i]! : undefined
    const action = rule?.action
    if (!action || !('resetAfterBytes' in action)) {
      if (i >= 0) this.used[i]!++
      if (action) Object.assign(rec, { faulted: true, fault: describeAction(action) })
    }
    const resetClient = (): void => {
      finish(null)
      const s = req.socket
      if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy()
      else s.destroy()
    }

    if (action && 'status' in action) {
      // Read the whole request first, as the registry does, then answer.
      req.on('data', (c: Buffer) => (rec.bytesIn += c.length))
      req.on('end', () => {
        const [code, message] = ERROR_CODES[action.status] ?? ['UNAVAILABLE', http.STATUS_CODES[action.status] ?? 'error']
        const body = action.body ?? { errors: [{ code, message, detail: null }] }
        const text = typeof body === 'string' ? body : JSON.stringify(body)
        res.writeHead(action.status, {
          'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
          'Docker-Distribution-Api-Version': 'registry/2.0',
          ...(action.status === 401 ? { 'WWW-Authenticate': 'Basic realm="fault-proxy"' } : {}),
          ...(action.retryAfter !== undefined ? { 'Retry-After': String(action.retryAfter) } : {}),
          ...action.headers,
          'Content-Length': String(Buffer.byteLength(text))
        })
        res.end(text)
      })
    } else if (action && 'reset' in action) {
      resetClient()
    } else if (action && 'hang' in action) {
      req.resume()
    } else if (action && 'until' in action) {
      void action.until.finally(() => this.forward(req, res, rec, resetClient))
    } else if (action && 'latencyMs' in action) {
      setTimeout(() => this.forward(req, res, rec, resetClient), action.latencyMs)
    } else if (action && 'resetAfterBytes' in action) {
      this.forward(req, res, rec, resetClient, { limit: action.resetAfterBytes, rule: rule! })
    } else {
      this.forward(req, res, rec, resetClient)
    }
  }

  private forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    rec: RecordedRequest,
    resetClient: () => void,
    cut?: { limit: number; rule: FaultRule }
  ): void {
    if (req.destroyed) return
    const [hostname, port] = [this.target.replace(/:\d+$/, ''), Number(/:(\d+)$/.exec(this.target)?.[1] ?? 80)]
    const upstream = http.request({ hostname, port, method: req.method, path: req.url, headers: endToEnd(req.rawHeaders) })
    const clientHost = req.headers.host ?? this.host
    upstream.on('response', up => {
      const headers = endToEnd(up.rawHeaders, (name, value) =>
        name.toLowerCase() === 'location' ? value.replace(`//${this.target}/`, `//${clientHost}/`) : value
      )
      res.writeHead(up.statusCode ?? 502, up.statusMessage, headers)
      up.pipe(res)
      up.on('error', () => res.destroy())
    })
    upstream.on('error', () => {
      if (res.headersSent || res.destroyed || rec.faulted) return res.destroy()
      res.writeHead(502, { 'Content-Type': 'text/plain' }).end(`fault-proxy: upstream ${this.target} failed`)
    })
    req.on('close', () => {
      if (!req.complete) upstream.destroy()
    })

    let received = 0
    const counter = new Transform({
      transform: (chunk: Buffer, _enc, next) => {
        rec.bytesIn += chunk.length
        if (cut && received + chunk.length >= cut.limit) {
          const n = this.rules.indexOf(cut.rule) // -1 once setRules replaced it
          if (n >= 0 && (cut.rule.times === undefined || this.used[n]! < cut.rule.times)) {
            this.used[n]!++
            Object.assign(rec, { faulted: true, fault: `resetAfterBytes ${cut.limit}` })
            upstream.write(chunk.subarray(0, cut.limit - received))
            upstream.destroy()
            resetClient()
            return
          }
          cut = undefined
        }
        received += chunk.length
        next(null, chunk)
      }
    })
    req.pipe(counter).pipe(upstream)
  }
}
