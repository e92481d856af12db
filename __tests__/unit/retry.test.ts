import { backoffMs, classify, RetriesExhausted, retryAfterMs, withRetries } from '../../src/engine/retry.js'
import { parseDuration } from '../../src/shared/input-grammar.js'

describe('classify', () => {
  it.each<[string, boolean, string]>([
    [
      'Error response from daemon: login attempt to http://r/v2/ failed with status: 503 Service Unavailable',
      true,
      '503 Service Unavailable'
    ],
    ['received unexpected HTTP status: 502 Bad Gateway', true, '502 Bad Gateway'],
    ['toomanyrequests: You have reached your pull rate limit', true, '429 Too Many Requests'],
    // docker 28 (containerd's pusher) prints the reason phrase alone
    ['error from registry: Bad Gateway', true, '502 Bad Gateway'],
    ['error from registry: Service Unavailable', true, '503 Service Unavailable'],
    ['error from registry: Gateway Timeout', true, '504 Gateway Timeout'],
    ['error from registry: Internal Server Error', true, '500 Internal Server Error'],
    ['error from registry: toomanyrequests', true, '429 Too Many Requests'],
    ['error from registry: manifest invalid', false, 'manifest invalid'],
    ['failed to do request: Put "http://r/v2/x/blobs/uploads/1": read: connection reset by peer', true, 'connection reset'],
    [
      'failed to copy: failed to do request: Put "http://r/v2/x/blobs/uploads/1": readfrom tcp 1->2: write tcp 1->2: use of closed network connection',
      true,
      'connection reset'
    ],
    ['dial tcp 127.0.0.1:5999: connect: connection refused', true, 'connection refused'],
    ['net/http: TLS handshake timeout', true, 'TLS handshake timeout'],
    ['Get "https://r/v2/": net/http: request canceled (Client.Timeout exceeded)', true, 'timeout'],
    ['failed to copy: unexpected EOF', true, 'unexpected EOF'],
    ['login attempt to http://r/v2/ failed with status: 401 Unauthorized', false, 'unauthorized'],
    ['denied: requested access to the resource is denied', false, 'denied'],
    ['unexpected status: 403 Forbidden', false, 'denied'],
    ['manifest invalid: manifest invalid', false, 'manifest invalid'],
    ['name unknown: repository name not known to registry', false, 'name unknown'],
    ['ERROR: failed to solve: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3', false, 'error'],
    ['401 Unauthorized after a 503 earlier', false, 'unauthorized']
  ])('%s -> transient %s (%s)', (text, transient, cause) => {
    expect(classify(text)).toEqual({ transient, cause })
  })
})

describe('backoffMs', () => {
  const policy = { retries: 3, delayMs: 1000 }
  it.each<[number, number, number, number]>([
    [1, 0.5, 0, 1000],
    [2, 0.5, 0, 2000],
    [3, 0.5, 0, 4000],
    [1, 0, 0, 500],
    [1, 0.999, 0, 1499],
    [10, 0.5, 0, 60000],
    [1, 0.5, 5000, 5000]
  ])('attempt %i with dice %f and Retry-After %i ms waits %i ms', (attempt, random, retryAfter, expected) => {
    expect(backoffMs(attempt, policy, random, retryAfter)).toBe(expected)
  })
})

describe('parsing', () => {
  it.each([
    ['2', 2000],
    ['2s', 2000],
    ['1.5s', 1500],
    ['500ms', 500],
    ['soon', Number.NaN]
  ])('reads the duration %s as %d ms', (raw, ms) => {
    expect(parseDuration(raw)).toBe(ms)
  })

  it('reads a Retry-After from the engine text', () => {
    expect(retryAfterMs('429 Too Many Requests, Retry-After: 3')).toBe(3000)
    expect(retryAfterMs('503')).toBe(0)
  })
})

describe('withRetries', () => {
  const fail = (text: string) => Object.assign(new Error(text), { text })
  const hooks = (log: string[], waits: number[]) => ({
    textOf: (e: unknown) => (e as { text: string }).text,
    sleep: async (ms: number) => void waits.push(ms),
    random: () => 0.5,
    log: (m: string) => void log.push(m)
  })

  it('retries transient failures and reports the attempts', async () => {
    const log: string[] = []
    const waits: number[] = []
    let calls = 0
    const r = await withRetries('Push', { retries: 3, delayMs: 100 }, hooks(log, waits), async () => {
      calls++
      if (calls < 3) throw fail('503 Service Unavailable')
      return 'ok'
    })
    expect(r).toEqual({ value: 'ok', attempts: 3 })
    expect(waits).toEqual([100, 200])
    expect(log).toEqual([
      'Push failed (503 Service Unavailable); retry 1 of 3 in 0.1 s',
      'Push failed (503 Service Unavailable); retry 2 of 3 in 0.2 s'
    ])
  })

  it('fails at once on a permanent failure', async () => {
    const waits: number[] = []
    let calls = 0
    const attempt = withRetries('Login', { retries: 3, delayMs: 100 }, hooks([], waits), async () => {
      calls++
      throw fail('401 Unauthorized')
    })
    await expect(attempt).rejects.toThrow('401 Unauthorized')
    expect(calls).toBe(1)
    expect(waits).toEqual([])
  })

  it('gives up after the retries with the attempt count', async () => {
    const attempt = withRetries('Push', { retries: 2, delayMs: 1 }, hooks([], []), async () => {
      throw fail('502 Bad Gateway')
    })
    await expect(attempt).rejects.toBeInstanceOf(RetriesExhausted)
    await expect(attempt).rejects.toThrow('Push failed after 3 attempts (502 Bad Gateway)')
  })

  describe('a push that ends in unauthorized after a successful login', () => {
    const unauthorized = (results: string[]) => {
      let calls = 0
      const fn = async () => {
        const r = results[calls++]
        if (r !== 'ok') throw fail(r as string)
        return 'ok'
      }
      return { fn, calls: () => calls }
    }

    it('is tried exactly once more (the engine fetches a new token), even with retries: 0', async () => {
      const log: string[] = []
      const push = unauthorized(['unauthorized: authentication required', 'ok'])
      const r = await withRetries('Push of r/app:1', { retries: 0, delayMs: 100 }, hooks(log, []), push.fn, { afterLogin: true })
      expect(r).toEqual({ value: 'ok', attempts: 2 })
      expect(log).toEqual([
        "Push of r/app:1 failed (unauthorized after a successful login: the registry's token may have expired); trying once more, the engine fetches a new token"
      ])
    })

    it('fails on the second unauthorized', async () => {
      const push = unauthorized(['unauthorized: authentication required', 'server message: invalid_token: authorization failed', 'ok'])
      await expect(withRetries('Push', { retries: 3, delayMs: 1 }, hooks([], []), push.fn, { afterLogin: true })).rejects.toThrow(
        'invalid_token'
      )
      expect(push.calls()).toBe(2)
    })

    it('is not tried again without a login in this run', async () => {
      const push = unauthorized(['unauthorized: authentication required', 'ok'])
      await expect(withRetries('Push', { retries: 3, delayMs: 1 }, hooks([], []), push.fn)).rejects.toThrow('unauthorized')
      expect(push.calls()).toBe(1)
    })

    it('is not tried again when the registry denied the push', async () => {
      const push = unauthorized(['denied: requested access to the resource is denied', 'ok'])
      await expect(withRetries('Push', { retries: 3, delayMs: 1 }, hooks([], []), push.fn, { afterLogin: true })).rejects.toThrow('denied')
      expect(push.calls()).toBe(1)
    })
  })
})
