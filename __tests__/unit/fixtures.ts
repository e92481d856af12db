import type { GitHubContext } from '../../src/plan/inputs/github-context.js'
import { makePlan, type Plan, type PlanFacts } from '../../src/plan/plan.js'
import { readSettings, type Settings } from '../../src/plan/inputs/settings.js'

export const SHA = '0123456789abcdef0123456789abcdef01234567'

/** Settings as the action reads them, from an input map (defaults as in action.yml). */
export function settingsOf(inputs: Record<string, string> = {}): Settings {
  return readSettings(name => inputs[name] ?? '').settings
}

export function ctxOf(over: Partial<GitHubContext> = {}): GitHubContext {
  return {
    eventName: 'push',
    ref: 'refs/heads/main',
    sha: SHA,
    repository: 'Octo-Org/Hello-App',
    actor: 'octocat',
    serverUrl: 'https://github.com',
    defaultBranch: 'main',
    ...over
  }
}

export const FACTS: PlanFacts = { knownVersions: [], loggedIn: [], now: new Date('2026-01-02T03:04:05Z') }

/** The run files an engine gets (iid, metadata, one secret file). */
export const BUILD_FILES = { iidFile: '/t/iid', metadataFile: '/t/meta.json', secretFiles: { token: '/t/secrets/token' } }

/** bob's plan for `bob/app` with these inputs (the clock at 0). */
export function bobPlan(inputs: Record<string, string> = {}, ctx: GitHubContext = ctxOf()): Plan {
  return makePlan(settingsOf({ username: 'bob', password: 'pw', image: 'bob/app', ...inputs }), ctx, { ...FACTS, now: new Date(0) })
}

/** The values of `flag` in argv, in order. */
export function flagValues(argv: string[], flag: string): string[] {
  return argv.flatMap((a, i) => (a === flag ? [argv[i + 1] as string] : []))
}
