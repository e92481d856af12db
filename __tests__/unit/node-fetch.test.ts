import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { nodeFetch } from '../../src/engine/node-fetch.js'

describe('nodeFetch', () => {
  let server: http.Server
  let base = ''
  const seen: { method?: string; auth?: string; connection?: string; body: string }[] = []
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        seen.push({
          method: req.method,
          auth: req.headers.authorization,
          connection: req.headers.connection,
          body: Buffer.concat(chunks).toString()
        })
        if (req.url === '/missing') {
          res.writeHead(404).end('{"errors":[]}')
          return
        }
        res.writeHead(200, { 'Docker-Content-Digest': 'sha256:abc', 'Content-Type': 'application/json' })
        res.end(req.method === 'HEAD' ? undefined : '{"token":"T"}')
      })
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise(resolve => server.close(resolve)))

  it('answers a HEAD with its status and headers, sending the given headers and no kept connection', async () => {
    const res = await nodeFetch(`${base}/v2/o/r/manifests/latest`, { method: 'HEAD', headers: { Authorization: 'Basic x' } })
    expect(res.status).toBe(200)
    expect(res.ok).toBe(true)
    expect(res.headers.get('docker-content-digest')).toBe('sha256:abc')
    expect(res.headers.get('x-none')).toBeNull()
    expect(seen.at(-1)).toMatchObject({ method: 'HEAD', auth: 'Basic x', connection: 'close' })
  })

  it('reads a body as JSON, text or bytes, and a 404 is not ok', async () => {
    expect(await (await nodeFetch(`${base}/token`)).json()).toEqual({ token: 'T' })
    expect(Buffer.from(await (await nodeFetch(`${base}/token`)).arrayBuffer()).toString()).toBe('{"token":"T"}')
    const missing = await nodeFetch(`${base}/missing`)
    expect([missing.status, missing.ok, await missing.text()]).toEqual([404, false, '{"errors":[]}'])
  })

  it('sends a body', async () => {
    await nodeFetch(`${base}/upload`, { method: 'PUT', body: Buffer.from('bytes') })
    expect(seen.at(-1)).toMatchObject({ method: 'PUT', body: 'bytes' })
  })

  it('fails when nothing listens', async () => {
    await expect(nodeFetch('http://127.0.0.1:9/v2/')).rejects.toThrow()
  })
})
