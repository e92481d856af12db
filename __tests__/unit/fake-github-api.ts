import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A stand-in for the GitHub API on 127.0.0.1: GET …/repos/o/r/tags, two pages of tags. */
export interface FakeApi {
  url: string
  /** The requests it was sent: path and Authorization header. */
  requests: { path: string; authorization: string }[]
  close(): Promise<void>
}

export type Answer = { status: number; body: unknown } | 'never'

/** `pages`: the tag names of each page; `answer`: instead, what every request gets. */
export async function fakeApi(pages: string[][], answer?: Answer): Promise<FakeApi> {
  const requests: FakeApi['requests'] = []
  let base = ''
  const server: Server = createServer((req: IncomingMessage, res) => {
    requests.push({ path: req.url ?? '', authorization: String(req.headers.authorization ?? '') })
    if (answer === 'never') return // holds the connection: the client's timeout must end it
    if (answer) {
      res.writeHead(answer.status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(answer.body))
      return
    }
    const url = new URL(req.url ?? '/', base)
    if (!/\/repos\/o\/r\/tags$/.test(url.pathname)) {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ message: 'Not Found' }))
      return
    }
    const page = Number(url.searchParams.get('page') ?? '1')
    const next = new URL(url)
    next.searchParams.set('page', String(page + 1))
    res.writeHead(200, {
      'content-type': 'application/json',
      ...(page < pages.length ? { link: `<${next.href}>; rel="next"` } : {})
    })
    res.end(JSON.stringify((pages[page - 1] ?? []).map(name => ({ name, commit: { sha: '0'.repeat(40) } }))))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: base,
    requests,
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** An address where nothing listens: a server that is gone. */
export async function unreachableUrl(): Promise<string> {
  const api = await fakeApi([])
  await api.close()
  return api.url
}
