/**
 * Which registry failures are worth another try, and when. Pure: the clock and the dice are
 * passed in, so the policy is table-tested.
 */

export interface Verdict {
  transient: boolean
  /** Short cause for the log: `503 Service Unavailable`, `connection reset`, `401 Unauthorized`. */
  cause: string
}

/** Failures that another try cannot fix: checked first, so `401` never looks like a timeout. */
const PERMANENT: [RegExp, string][] = [
  [/\b401\b|unauthori[sz]ed|incorrect username or password|authentication required|invalid_token/i, 'unauthorized'],
  [/\b403\b|\bdenied\b|forbidden/i, 'denied'],
  [/manifest[ _]invalid/i, 'manifest invalid'],
  [/name[ _]unknown|repository name not known/i, 'name unknown'],
  [/name[ _]invalid|invalid reference format/i, 'invalid name']
]

/** The 5xx reason phrases a registry sends, by how docker prints them. */
const SERVER_ERRORS: Record<string, string> = {
  'internal server error': '500 Internal Server Error',
  'bad gateway': '502 Bad Gateway',
  'service unavailable': '503 Service Unavailable',
  'gateway timeout': '504 Gateway Timeout',
  'gateway time-out': '504 Gateway Timeout'
}

const TRANSIENT: [RegExp, string | ((m: RegExpExecArray) => string)][] = [
  [/\b429\b|toomanyrequests|too many requests/i, '429 Too Many Requests'],
  [/\b(5\d\d)\b(?: ([A-Z][A-Za-z ]+[a-z]))?/, m => `${m[1]}${m[2] ? ` ${m[2]}` : ''}`],
  // Docker 28 (containerd's pusher) names the status without its code: "error from registry: Bad Gateway".
  [/\b(Internal Server Error|Bad Gateway|Service Unavailable|Gateway Time-?out)\b/i, m => SERVER_ERRORS[m[1].toLowerCase()] ?? m[1]],
  [/connection refused/i, 'connection refused'],
  // docker words a reset mid-upload by where it lands: "use of closed network connection" too.
  [/connection reset|reset by peer|broken pipe|use of closed network connection/i, 'connection reset'],
  [/tls handshake timeout/i, 'TLS handshake timeout'],
  [/timeout|timed out|deadline exceeded/i, 'timeout'],
  [/unexpected EOF|\bEOF\b/, 'unexpected EOF'],
  [/no such host|temporary failure in name resolution|server misbehaving/i, 'DNS failure']
]

/** Classifies an engine's error text (its final error line, not a RUN step's output). */
export function classify(text: string): Verdict {
  for (const [re, cause] of PERMANENT) if (re.test(text)) return { transient: false, cause }
  for (const [re, cause] of TRANSIENT) {
    const m = re.exec(text)
    if (m) return { transient: true, cause: typeof cause === 'string' ? cause : cause(m) }
  }
  return { transient: false, cause: 'error' }
}

export interface RetryPolicy {
  /** Further attempts after the first. */
  retries: number
  /** Base delay, doubled each attempt. */
  delayMs: number
}

/**
 * Exponential backoff with jitter: delay * 2^(attempt-1), scaled by 0.5..1.5, capped at 60 s;
 * never shorter than a Retry-After the registry gave.
 */
export function backoffMs(attempt: number, policy: RetryPolicy, random: number, retryAfterMs = 0): number {
  const exp = policy.delayMs * 2 ** Math.max(0, attempt - 1)
  const jittered = Math.min(60_000, exp * (0.5 + random))
  return Math.max(Math.round(jittered), retryAfterMs)
}

/** `Retry-After: 3` seconds when the engine's text carries it, else 0. */
export function retryAfterMs(text: string): number {
  const m = /retry[- ]after:?\s*(\d+)/i.exec(text)
  return m ? Number(m[1]) * 1000 : 0
}

export interface Attempted<T> {
  value: T
  attempts: number
}

export class RetriesExhausted extends Error {
  constructor(
    readonly what: string,
    readonly attempts: number,
    readonly verdict: Verdict,
    readonly lastError: unknown
  ) {
    super(`${what} failed after ${attempts} attempt${attempts === 1 ? '' : 's'} (${verdict.cause})`)
    this.name = 'RetriesExhausted'
  }
}

export interface RetryHooks {
  /** Text of an error to classify. */
  textOf: (e: unknown) => string
  sleep: (ms: number) => Promise<void>
  random: () => number
  log: (message: string) => void
}

/**
 * Runs `fn` until it succeeds, a failure is permanent, or the retries are spent. Permanent
 * failures are re-thrown as they are; spent retries throw RetriesExhausted with the count.
 */
export interface RetryOptions {
  /**
   * A login to this registry succeeded in this run: a first `unauthorized` is then a token that
   * expired during a long build or upload, and one more attempt (the engine fetches a new token)
   * is made, whatever the retries input says. A second one is final.
   */
  afterLogin?: boolean
}

export async function withRetries<T>(
  what: string,
  policy: RetryPolicy,
  hooks: RetryHooks,
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {}
): Promise<Attempted<T>> {
  let freshToken = false
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await fn(attempt), attempts: attempt }
    } catch (e) {
      const text = hooks.textOf(e)
      const verdict = classify(text)
      if (verdict.cause === 'unauthorized' && options.afterLogin && !freshToken) {
        freshToken = true
        hooks.log(
          `${what} failed (unauthorized after a successful login: the registry's token may have expired); trying once more, the engine fetches a new token`
        )
        continue
      }
      if (!verdict.transient) throw e
      if (attempt > policy.retries) throw new RetriesExhausted(what, attempt, verdict, e)
      const wait = backoffMs(attempt, policy, hooks.random(), retryAfterMs(text))
      hooks.log(`${what} failed (${verdict.cause}); retry ${attempt} of ${policy.retries} in ${(wait / 1000).toFixed(1)} s`)
      await hooks.sleep(wait)
    }
  }
}
