import type { GitHubContext } from '../../src/github-context.js'
import type { PlanFacts } from '../../src/plan.js'
import { readSettings, type Settings } from '../../src/settings.js'

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
