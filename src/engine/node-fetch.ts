/**
 * The few parts of `fetch` the registry API client uses (status, ok, headers.get, text, json,
 * arrayBuffer), over node:http/https with no connection kept. The check of pushed tags runs as the
 * step ends: the global fetch (undici) costs ~20 ms to load and its kept-alive sockets hold the
 * process ~30 ms more, on every push. No redirects are followed (a manifest HEAD has none).
 */
import * as http from 'node:http'
import * as https from 'node:https'

class NodeResponse {
  constructor(
    readonly status: number,
    private readonly raw: http.IncomingHttpHeaders,
    private readonly body: Buffer
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300
  }

  readonly headers = {
    get: (name: string): string | null => {
      const v = this.raw[name.toLowerCase()]
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v
    }
  }

  async text(): Promise<string> {
    return this.body.toString('utf8')
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.body.toString('utf8'))
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return this.body.buffer.slice(this.body.byteOffset, this.body.byteOffset + this.body.byteLength) as ArrayBuffer
  }
}

export function nodeFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const url = new URL(String(input))
  const request = url.protocol === 'https:' ? https.request : http.request
  const headers = { ...(init.headers as Record<string, string> | undefined), Connection: 'close' }
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers, agent: false, signal: init.signal ?? undefined }, res => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => resolve(new NodeResponse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks)) as unknown as Response))
    })
    req.on('error', reject)
    req.end(init.body ? Buffer.from(init.body as Uint8Array) : undefined)
  })
}
