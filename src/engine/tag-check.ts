/**
 * After a push: does each pushed tag still point to this build's digest? Another job pushing the
 * same tag at the same time can move it; the build's own digest stays the `digest` output, and
 * the tags that moved are named (log warning, job summary).
 */
import type { RunResult } from './exec.js'

/** A pushed tag that the registry now resolves to another digest than this build's. */
export interface MovedTag {
  reference: string
  /** What the tag points to now. */
  digest: string
}

type Exec = (args: string[], opts: { silent?: boolean; allowFailure?: boolean; timeoutMs?: number }) => Promise<RunResult>

/** The digest of `imagetools inspect --format '{{json .Manifest}}'`'s output, or ''. */
export function manifestDigest(stdout: string): string {
  try {
    const digest = (JSON.parse(stdout) as { digest?: unknown }).digest
    return typeof digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(digest) ? digest : ''
  } catch {
    return ''
  }
}

/**
 * Asks the registry (`docker buildx imagetools inspect`) what each of `references` points to now;
 * returns those that point elsewhere than `digest`. A tag that cannot be read is left out: this is
 * reporting, never the failure of a push that succeeded.
 */
export async function movedTags(exec: Exec, references: string[], digest: string, timeoutMs: number): Promise<MovedTag[]> {
  if (!digest) return []
  const now = await Promise.all(
    references.map(async reference => {
      try {
        const r = await exec(['buildx', 'imagetools', 'inspect', '--format', '{{json .Manifest}}', reference], {
          silent: true,
          allowFailure: true,
          timeoutMs
        })
        return r.exitCode === 0 ? manifestDigest(r.stdout) : ''
      } catch {
        return ''
      }
    })
  )
  return references.flatMap((reference, i) => (now[i] && now[i] !== digest ? [{ reference, digest: now[i] as string }] : []))
}

/** One line per moved tag, for the log's warning and the job summary. */
export function movedTagLine(moved: MovedTag, digest: string): string {
  return `${moved.reference} now points to ${moved.digest}, not to this build's ${digest}: another build pushed the same tag after this one.`
}
