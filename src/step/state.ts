/**
 * What main saves for the post step (STATE_*): paths and registry names, never a secret.
 */
import * as core from '@actions/core'

/** What main leaves for the post step. Never a secret: paths and registry names only. */
export interface PostState {
  /** This run's folder (its docker config with credentials, the secret files); deleted in post. */
  root?: string
  /** The docker config folder inside root, used to log out. */
  configDir?: string
  /** Registries logged in to, logged out in post. */
  registries: string[]
  /** The CLI that logged in, and the environment it ran with (paths and the engine address only). */
  engine?: 'docker' | 'podman'
  env?: Record<string, string>
  /** References pushed so far (names, no secret): the post step names them after a cancel. */
  pushed?: string[]
  /** The docker-container builder this step made (platform-setup.ts), removed before the run folder (which holds its buildx record). */
  builder?: string
}

const KEY = 'post'

/** Tells the post step (post.ts reads STATE_isPost and STATE_post) that main ran. */
export function markMainStarted(): void {
  core.saveState('isPost', 'true')
}

export function savePostState(state: PostState): void {
  core.saveState(KEY, JSON.stringify(state))
}
