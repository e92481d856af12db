/**
 * The `distribute` and `merge` inputs: one platform of a build spread over several jobs (runners),
 * or the job that merges their images into one index per final tag. Refused combinations are
 * one-line errors, found while reading the inputs (before any login).
 */
import { InputError, show } from '../../shared/errors.js'

/** What this step is: the ordinary one-step build, one platform job of several, or their merge. */
export type Role = 'single' | 'platform' | 'merge'

function flag(name: string, value: string): boolean {
  const v = value.trim().toLowerCase()
  if (['true', 'false', ''].includes(v)) return v === 'true'
  throw new InputError(`Input "${name}" is ${show(value)}: use true or false.`)
}

/** The role the inputs give, checked against the other inputs it depends on. */
export function readRole(
  get: (name: string) => string,
  given: { platforms: string[]; push: string; composeFile: string; test?: string }
): Role {
  const distribute = flag('distribute', get('distribute'))
  const merge = flag('merge', get('merge'))
  if (distribute && merge) {
    throw new InputError(
      'Inputs "distribute" and "merge" are both true: a platform job sets distribute: true, the job after them (needs: build) sets merge: true.'
    )
  }
  if (!distribute && !merge) return 'single'
  const input = distribute ? 'distribute' : 'merge'
  if (given.composeFile !== '') {
    throw new InputError(
      `Input "${input}" cannot be used with "compose-file" (${show(given.composeFile)}): distribute one image per step, or build the compose services in one step.`
    )
  }
  if (distribute && given.platforms.length !== 1) {
    throw new InputError(
      `Input "distribute" is true and "platforms" is ${show(given.platforms.join(','))}: a platform job builds exactly one platform, e.g. platforms: \${{ matrix.platform }}.`
    )
  }
  if (merge && given.platforms.length === 0) {
    throw new InputError(
      'Input "merge" is true and "platforms" is empty: list every platform the platform jobs built, e.g. platforms: linux/amd64,linux/arm64.'
    )
  }
  if (merge && given.push === 'false') {
    throw new InputError(
      'Input "merge" is true and "push" is false: the merge job only pushes the index; leave push at auto (it skips the merge where the platform jobs did not push) or drop the merge job.'
    )
  }
  if (merge && (given.test ?? '') !== '') {
    throw new InputError(
      `Input "merge" is true and "test" is ${show(given.test ?? '')}: the merge job builds nothing to test; give the test to the platform jobs (distribute: true), which test their image before pushing it.`
    )
  }
  return distribute ? 'platform' : 'merge'
}
