#!/usr/bin/env node
/**
 * `docker-ship plan`: the references, labels and push decision the action would produce in this
 * git checkout, from the same code the action runs (readSettings, makePlan), with no GitHub and
 * no engine. Not part of the action: it writes to stdout/stderr directly.
 */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { parse } from 'yaml'
import { InputError } from '../shared/errors.js'
import type { GitHubContext } from '../plan/inputs/github-context.js'
import { type Git, gitHubContextOf, type PreviewEvent, readGitInfo, runGit } from './git-info.js'
import { makePlan, type Plan } from '../plan/plan.js'
import { readSettings } from '../plan/inputs/settings.js'
import { triggerOf } from '../plan/tags.js'
import { setYamlParser } from '../plan/inputs/yaml-parser.js'

export const USAGE = `Usage: docker-ship plan [options]

Prints the image references, labels and push decision Docker Ship would produce for this git
checkout (current branch or tag, HEAD, origin's owner/repo), from the action's own plan code.
Needs git; no GitHub, no Docker engine.

Event (default: a push of the current branch, or of the tag of a detached HEAD):
  --event NAME           push, pull_request, release, schedule, workflow_dispatch, ...
  --ref REF              refs/heads/NAME, refs/tags/NAME, or a bare tag or branch name
  --pr N                 pull request number (implies --event pull_request)
  --fork                 the pull request comes from a fork (its secrets are empty)
  --sha SHA              commit (default: HEAD)
  --repository O/R       owner/repo (default: from the origin remote)
  --default-branch NAME  (default: origin/HEAD, else a local main or master)
  --actor NAME           GitHub user running the workflow (default: the owner)

Inputs (as in action.yml; secrets are assumed set unless --no-secrets):
  --registry HOST  --username NAME  --image NAME  --tags LIST  --latest POLICY  --push MODE
  --context DIR  --file PATH  --platforms LIST  --target STAGE
  --build-arg K=V  --label K=V   (repeatable)
  --input NAME=VALUE             any other input (repeatable)
  --no-secrets                   as if the password and github-token secrets were empty

Output:
  --json                 the context and the plan as JSON (the plan is the action's "plan" output)
  -C DIR                 run in DIR instead of the current folder
  -h, --help
`

/** A mistake in the command line itself: usage is printed, exit code 2. */
export class UsageError extends Error {}

export interface CliArgs {
  command: 'plan' | 'help'
  json: boolean
  cwd?: string
  preview: PreviewEvent
  /** Action inputs by their action.yml name. */
  inputs: Record<string, string>
  secrets: boolean
}

/** Flags that set one action input of the same name. */
const INPUT_FLAGS = ['registry', 'username', 'image', 'latest', 'push', 'context', 'file', 'platforms', 'target'] as const
/** Repeatable flags that add one line to a list input. */
const LIST_FLAGS = { tags: 'tags', 'build-arg': 'build-args', label: 'labels' } as const
const LIST_INPUTS: string[] = Object.values(LIST_FLAGS)
/** Inputs the CLI fills itself. */
const RESERVED = ['password', 'github-token', 'dry-run']

export function parseCliArgs(argv: string[]): CliArgs {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        C: { type: 'string' },
        event: { type: 'string' },
        ref: { type: 'string' },
        pr: { type: 'string' },
        fork: { type: 'boolean' },
        sha: { type: 'string' },
        repository: { type: 'string' },
        'default-branch': { type: 'string' },
        actor: { type: 'string' },
        'no-secrets': { type: 'boolean' },
        input: { type: 'string', multiple: true },
        ...Object.fromEntries(INPUT_FLAGS.map(f => [f, { type: 'string' as const }])),
        ...Object.fromEntries(Object.keys(LIST_FLAGS).map(f => [f, { type: 'string' as const, multiple: true }]))
      }
    })
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  const { values, positionals } = parsed
  const v = values as Record<string, string | string[] | boolean | undefined>
  const str = (name: string): string | undefined => v[name] as string | undefined
  const list = (name: string): string[] => (v[name] as string[] | undefined) ?? []

  let command: CliArgs['command']
  if (values.help === true || positionals[0] === 'help') command = 'help'
  else if (positionals.length === 0) throw new UsageError('Missing the command: docker-ship plan [options].')
  else if (positionals[0] === 'plan') command = 'plan'
  else throw new UsageError(`Unknown command "${positionals[0]}": the command is "plan".`)
  if (command === 'plan' && positionals.length > 1) throw new UsageError(`Unexpected argument "${positionals[1]}".`)

  const inputs: Record<string, string> = {}
  for (const f of INPUT_FLAGS) {
    const value = str(f)
    if (value !== undefined) inputs[f] = value
  }
  for (const [flag, input] of Object.entries(LIST_FLAGS)) {
    const items = list(flag)
    if (items.length > 0) inputs[input] = items.join('\n')
  }
  for (const entry of list('input')) {
    const eq = entry.indexOf('=')
    const name = eq > 0 ? entry.slice(0, eq).trim() : ''
    if (name === '') throw new UsageError(`--input "${entry}": write --input NAME=VALUE.`)
    if (RESERVED.includes(name))
      throw new UsageError(`--input ${name}: the preview never takes "${name}" (secrets are assumed set; see --no-secrets).`)
    const value = entry.slice(eq + 1)
    inputs[name] = inputs[name] !== undefined && LIST_INPUTS.includes(name) ? `${inputs[name]}\n${value}` : value
  }

  let pr: number | undefined
  const rawPr = str('pr')
  if (rawPr !== undefined) {
    if (!/^[1-9][0-9]*$/.test(rawPr)) throw new UsageError(`--pr "${rawPr}": give the pull request number, e.g. --pr 12.`)
    pr = Number(rawPr)
  }
  const preview: PreviewEvent = {}
  const event = str('event')
  if (event !== undefined) {
    if (!/^[a-z_]+$/.test(event)) throw new UsageError(`--event "${event}": give a GitHub event name such as push or pull_request.`)
    preview.event = event
  }
  const ref = str('ref')
  if (ref !== undefined) {
    if (ref.trim() === '') throw new UsageError('--ref is empty: give refs/heads/NAME or refs/tags/NAME.')
    preview.ref = ref.trim()
  }
  if (pr !== undefined) preview.pr = pr
  if (values.fork === true) preview.fork = true
  const sha = str('sha')
  if (sha !== undefined) {
    if (!/^[0-9a-f]{7,40}$/i.test(sha)) throw new UsageError(`--sha "${sha}": give a commit id in hex.`)
    preview.sha = sha.toLowerCase()
  }
  const repository = str('repository')
  if (repository !== undefined) {
    if (!/^[^/\s]+\/[^/\s]+$/.test(repository)) throw new UsageError(`--repository "${repository}": write OWNER/REPO.`)
    preview.repository = repository
  }
  const defaultBranch = str('default-branch')
  if (defaultBranch !== undefined) preview.defaultBranch = defaultBranch.replace(/^refs\/heads\//, '')
  const actor = str('actor')
  if (actor !== undefined) preview.actor = actor

  return {
    command,
    json: values.json === true,
    cwd: str('C'),
    preview,
    inputs,
    // A fork's pull request gets no secrets, as on GitHub.
    secrets: values['no-secrets'] !== true && values.fork !== true
  }
}

/** Stands for a secret the workflow would have: the plan only checks that it is set, never prints it. */
const SECRET_PLACEHOLDER = '********'

export interface Preview {
  context: GitHubContext
  trigger: ReturnType<typeof triggerOf>
  plan: Plan
  notices: string[]
}

/** The plan for this checkout: readSettings + a GitHubContext from git + makePlan, as the action does. */
export function preview(args: CliArgs, cwd: string, git: Git = runGit, now: Date = new Date()): Preview {
  const info = readGitInfo(cwd, git)
  const { ctx, notes } = gitHubContextOf(info, args.preview)
  const inputs: Record<string, string> = { ...args.inputs }
  if (args.secrets) {
    if ((inputs.username ?? '').trim() !== '') inputs.password = SECRET_PLACEHOLDER
    inputs['github-token'] = SECRET_PLACEHOLDER
  }
  const { settings, notices } = readSettings(name => inputs[name] ?? '')
  const plan = makePlan(settings, ctx, { knownVersions: info.allTags, loggedIn: [], now })
  return { context: ctx, trigger: triggerOf(ctx), plan, notices: [...notes, ...notices, ...plan.notices] }
}

function describe(p: Preview): string {
  const { context: ctx, plan } = p
  const out: string[] = []
  const row = (k: string, v: string) => out.push(`${`${k}:`.padEnd(15)}${v}`)
  row('event', ctx.eventName)
  row('ref', ctx.ref)
  row('sha', ctx.sha)
  row('repository', `${ctx.repository} (default branch: ${ctx.defaultBranch ?? 'unknown'})`)
  if (ctx.pullRequest) row('pull request', `#${ctx.pullRequest.number}${ctx.pullRequest.fromFork ? ' from a fork' : ''}`)
  row('image', plan.image)
  row('version', plan.version)
  out.push('references:', ...plan.references.map(r => `  ${r}`))
  row('push', `${plan.push ? 'yes' : 'no'} (${plan.pushReason})`)
  for (const l of plan.logins) row('login', `${l.registry} as ${l.username} (password from input "${l.passwordFrom}")`)
  out.push('labels:', ...Object.entries(plan.labels).map(([k, v]) => `  ${k}=${v}`))
  if (p.notices.length > 0) out.push('notices:', ...p.notices.map(n => `  - ${n}`))
  return `${out.join('\n')}\n`
}

export interface Io {
  cwd: string
  stdout: (text: string) => void
  stderr: (text: string) => void
  git?: Git
  now?: Date
}

/** The whole CLI; returns the exit code (0 ok, 1 the action would fail, 2 bad command line). */
export function runCli(argv: string[], io: Io): number {
  let args: CliArgs
  try {
    args = parseCliArgs(argv)
  } catch (e) {
    if (!(e instanceof UsageError)) throw e
    io.stderr(`docker-ship: ${e.message}\n\n${USAGE}`)
    return 2
  }
  if (args.command === 'help') {
    io.stdout(USAGE)
    return 0
  }
  try {
    const p = preview(args, args.cwd ?? io.cwd, io.git, io.now)
    io.stdout(args.json ? `${JSON.stringify(p, null, 2)}\n` : describe(p))
    return 0
  } catch (e) {
    if (!(e instanceof InputError)) throw e
    if (args.json) io.stdout(`${JSON.stringify({ error: e.message }, null, 2)}\n`)
    io.stderr(
      `docker-ship: the action would fail here: ${e.message}\n(inputs are flags: --image, --username, --registry, ... or --input NAME=VALUE; see --help)\n`
    )
    return 1
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (isEntryPoint()) {
  setYamlParser(parse)
  process.exitCode = runCli(process.argv.slice(2), {
    cwd: process.cwd(),
    stdout: text => process.stdout.write(text),
    stderr: text => process.stderr.write(text)
  })
}
