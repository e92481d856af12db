/**
 * After a push: does each pushed tag still point to this build's digest? Another job pushing the
 * same tag at the same time can move it; the build's own digest stays the `digest` output, and
 * the tags that moved are named (log warning, job summary).
 */

/** A pushed tag that the registry now resolves to another digest than this build's. */
export interface MovedTag {
  reference: string
  /** What the tag points to now. */
  digest: string
}

/**
 * Of `references`, those that `resolve` (what the registry says each points to now, '' when it
 * cannot say) puts elsewhere than `digest`. A tag that cannot be read is left out: this is
 * reporting, never the failure of a push that succeeded.
 */
export async function movedTags(
  resolve: (reference: string) => Promise<string>,
  references: string[],
  digest: string
): Promise<MovedTag[]> {
  if (!digest) return []
  const now = await Promise.all(references.map(reference => resolve(reference).catch(() => '')))
  return references.flatMap((reference, i) => (now[i] && now[i] !== digest ? [{ reference, digest: now[i] as string }] : []))
}

/** One line per moved tag, for the log's warning and the job summary. */
export function movedTagLine(moved: MovedTag, digest: string): string {
  return `${moved.reference} now points to ${moved.digest}, not to this build's ${digest}: another build pushed the same tag after this one.`
}
