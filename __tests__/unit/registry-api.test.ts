import { challengeOf, RegistryApi, RegistryApiError, registryBase } from '../../src/engine/registry-api.js'

interface Call {
  url: string
  method: string
  auth: string | undefined
}

/** A registry that wants a Bearer token from its token service, which wants Basic bob:pw. */
function bearerRegistry(calls: Call[]): typeof globalThis.fetch {
  return (async (input: string | URL, init?: RequestInit) => {
    const url = String(input)
    const headers = (init?.headers ?? {}) as Record<string, string>
    calls.push({ url, method: init?.method ?? 'GET', auth: headers.Authorization })
    if (url.startsWith('https://auth.example/token')) {
      if (headers.Authorization !== `Basic ${Buffer.from('bob:pw').toString('base64')}`) return new Response('', { status: 401 })
      return Response.json({ token: 'T1' })
    }
    if (headers.Authorization !== 'Bearer T1') {
      return new Response('', {
        status: 401,
        headers: { 'WWW-Authenticate': 'Bearer realm="https://auth.example/token",service="reg.example",scope="repository:o/r:pull"' }
      })
    }
    if (url.endsWith('/manifests/missing')) return new Response('{"errors":[]}', { status: 404 })
    return new Response('{"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}', {
      status: 200,
      headers: { 'Content-Type': 'application/vnd.oci.image.index.v1+json', 'Docker-Content-Digest': `sha256:${'c'.repeat(64)}` }
    })
  }) as typeof globalThis.fetch
}

describe('the registry API client', () => {
  it('gets a token from the realm with Basic credentials and the push scope, then reads the manifest', async () => {
    const calls: Call[] = []
    const api = new RegistryApi('reg.example', { username: 'bob', password: 'pw' }, bearerRegistry(calls))
    const m = await api.manifest('o/r', 'sha-1234567')
    expect(m?.mediaType).toBe('application/vnd.oci.image.index.v1+json')
    expect(m?.digest).toMatch(/^sha256:/)
    const token = new URL(calls[1]?.url ?? '')
    expect(token.searchParams.get('service')).toBe('reg.example')
    expect(token.searchParams.get('scope')).toBe('repository:o/r:pull,push')
    expect(calls.map(c => c.auth?.split(' ')[0])).toEqual([undefined, 'Basic', 'Bearer'])
    // The token is kept for the next request.
    expect(await api.manifest('o/r', 'missing')).toBeUndefined()
    expect(calls).toHaveLength(4)
  })

  it('says what a tag points to now with one HEAD (after the token), and nothing for a missing tag', async () => {
    const calls: Call[] = []
    const api = new RegistryApi('reg.example', { username: 'bob', password: 'pw' }, bearerRegistry(calls))
    expect(await api.digest('o/r', 'latest')).toBe(`sha256:${'c'.repeat(64)}`)
    expect(await api.digest('o/r', 'missing')).toBeUndefined()
    expect(calls.filter(c => c.url.includes('/manifests/')).map(c => c.method)).toEqual(['HEAD', 'HEAD', 'HEAD'])
  })

  it('fails with the status when the token service refuses the credentials', async () => {
    const api = new RegistryApi('reg.example', { username: 'bob', password: 'wrong' }, bearerRegistry([]))
    await expect(api.manifest('o/r', 'x')).rejects.toThrow(RegistryApiError)
  })

  it.each([
    ['127.0.0.1:5000', 'http://127.0.0.1:5000'],
    ['localhost:5000', 'http://localhost:5000'],
    ['docker.io', 'https://registry-1.docker.io'],
    ['ghcr.io', 'https://ghcr.io']
  ])('talks to %s at %s', (registry, base) => {
    expect(registryBase(registry)).toBe(base)
  })

  it('reads a WWW-Authenticate challenge', () => {
    expect(challengeOf('Basic realm="Registry Realm"')).toEqual({ scheme: 'basic', params: { realm: 'Registry Realm' } })
    expect(challengeOf('Bearer realm="https://a/t",service="s"').params).toEqual({ realm: 'https://a/t', service: 's' })
  })
})
