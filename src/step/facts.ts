/**
 * What the plan needs from the world, gathered before planning: the repository's tags (for
 * `latest: semver`) and the registries already logged in to; and whether the build files exist.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import * as path from 'node:path'
import { InputError, show } from '../shared/errors.js'
import type { GitHubContext } from '../plan/inputs/github-context.js'
import type { PlanFacts } from '../plan/plan.js'
import { normaliseRegistry } from '../plan/inputs/reference.js'
import type { Settings } from '../plan/inputs/settings.js'
import { triggerOf } from '../plan/tags.js'
import { run } from '../engine/exec.js'
import { runnerDockerConfig } from '../shared/runner-env.js'
import { repositoryTags } from './repo-tags.js'
import { checkGitCredentials } from './git-credentials.js'

/** GET /repos/{owner}/{repo}/tags, every page: this long at most, then the checkout's tags as before. */
const TAGS_API_TIMEOUT_MS = 5000

/** Registries that the runner's docker config already has credentials for (an earlier login step). */
export function loggedInRegistries(configDir: string): string[] {
  try {
    const config = JSON.parse(readFileSync(path.join(configDir, 'config.json'), 'utf8')) as {
      auths?: Record<string, unknown>
      credHelpers?: Record<string, unknown>
    }
    const hosts = [...Object.keys(config.auths ?? {}), ...Object.keys(config.credHelpers ?? {})]
    return hosts.flatMap(h => {
      try {
        return [normaliseRegistry(h.replace(/\/v1\/?$/, ''))]
      } catch {
        return []
      }
    })
  } catch {
    return []
  }
}

async function gitTags(workspace: string): Promise<string[]> {
  const r = await run('git', ['tag', '--list'], { cwd: workspace, silent: true, allowFailure: true })
  return r.exitCode === 0 ? r.stdout.split('\n').filter(Boolean) : []
}

/** The tags the tag being built is compared with: the checkout's, else the GitHub API's (repo-tags.ts). */
async function semverTags(s: Settings, ctx: GitHubContext, env: NodeJS.ProcessEnv): Promise<string[]> {
  const trigger = triggerOf(ctx)
  return repositoryTags(await gitTags(env.GITHUB_WORKSPACE || process.cwd()), trigger.kind === 'tag' ? trigger.name : undefined, {
    // @actions/github's default; GitHub Enterprise Server sets GITHUB_API_URL (https://HOST/api/v3).
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    repository: ctx.repository,
    token: s.githubToken,
    timeoutMs: TAGS_API_TIMEOUT_MS
  })
}

/** Side effects the plan depends on, gathered once: the tags only when the policy needs them. */
export async function gatherFacts(s: Settings, ctx: GitHubContext, env: NodeJS.ProcessEnv): Promise<PlanFacts> {
  const needsTags = s.latest === 'semver' && (ctx.ref.startsWith('refs/tags/') || ctx.eventName === 'release')
  return {
    knownVersions: needsTags ? await semverTags(s, ctx, env) : [],
    loggedIn: loggedInRegistries(runnerDockerConfig(env)),
    now: new Date()
  }
}

/** The build context and Dockerfile must exist, and the context hold no git credential, before anything logs in or builds. */
export function checkBuildFiles(s: Settings): void {
  if (!existsSync(s.context) || !statSync(s.context).isDirectory()) {
    throw new InputError(
      `Input "context" is ${show(s.context)}, which is not a folder in the workspace: give the folder that holds your sources (paths are relative to the repository root), and check the job ran actions/checkout.`
    )
  }
  if (!existsSync(s.file) || !statSync(s.file).isFile()) {
    throw new InputError(
      `Input "file" is ${show(s.file)}, which does not exist: give the path of your Dockerfile (e.g. file: ${path.join(s.context, 'Dockerfile')}), relative to the repository root.`
    )
  }
  checkGitCredentials(s.context, s.file)
}
