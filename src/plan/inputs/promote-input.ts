/**
 * The `promote` input: `auto` (default) releases a git tag or a GitHub release from the image the
 * default branch already built of this commit, when its inputs match; `never` always builds.
 */
import { InputError, show } from '../../shared/errors.js'

export const PROMOTE_MODES = ['auto', 'never'] as const
export type PromoteMode = (typeof PROMOTE_MODES)[number]

export function readPromote(value: string): PromoteMode {
  const v = (value.trim() || 'auto').toLowerCase()
  if ((PROMOTE_MODES as readonly string[]).includes(v)) return v as PromoteMode
  throw new InputError(
    `Input "promote" is ${show(value)}: use auto (a release of a commit the default branch already built reuses that image) or never (always build).`
  )
}
