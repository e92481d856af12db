// runAction: a whole job of one action, main then post, as the runner runs a `using: node*`
// action (actions/runner sources):
//   - the dirs of a hosted runner (<root>/work/<repo>/<repo>, <root>/work/_temp, a fresh HOME);
//   - the event file, the job's masker (token, runtime token, secrets), the contexts and inputs;
//   - Post: registered when main starts, run if its post-if holds (post-if.ts); it gets
//     STATE_<name> for every state saved by main (ActionRunner: "Apply action's intra-action
//     state at last"), and the GITHUB_ENV / GITHUB_PATH main wrote.
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { removeRoot, trackRoot } from './cleanup.js'
import { expressionContexts, fakeToken, githubContext, jobEvent, runnerContext } from './contexts.js'
import { createFileCommandFiles } from './file-commands.js'
import { REPO_ROOT, readActionManifest, resolveInputs } from './manifest.js'
import { Masker } from './masking.js'
import type { RunOptions } from './options.js'
import { shareRunnerPlugins } from './plugins.js'
import { postCondition } from './post-if.js'
import type { RunResult, StepResult } from './results.js'
import { inheritedEnv, stepEnv, type JobEnv } from './step-env.js'
import { runStep } from './step.js'

/** Run main (and post) of an action like the GitHub Actions runner. See RunOptions. */
export async function runAction(opts: RunOptions = {}): Promise<RunResult> {
  const actionYml = opts.actionYml ?? path.join(REPO_ROOT, 'action.yml')
  const manifest = readActionManifest(actionYml)

  const root = opts.home && opts.runnerTemp && opts.workspace ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'docker-ship-e2e-run-'))
  if (root) trackRoot(root)

  const ev = jobEvent(opts)

  // directories (laid out like a hosted runner's: <root>/work/<repo>/<repo>, <root>/work/_temp)
  const home = opts.home ?? path.join(root!, 'home')
  const workspace = opts.workspace ?? path.join(root!, 'work', ev.repoName, ev.repoName)
  const runnerTemp = opts.runnerTemp ?? path.join(root!, 'work', '_temp')
  const toolCache = root ? path.join(root, 'work', '_tool') : path.join(runnerTemp, '_tool')
  for (const d of [home, workspace, runnerTemp, toolCache]) fs.mkdirSync(d, { recursive: true })
  if (opts.home === undefined && opts.runnerPlugins !== false) shareRunnerPlugins(home)

  let eventPath: string | null
  if (opts.eventPath === null) eventPath = null
  else if (opts.eventPath !== undefined) {
    eventPath = opts.eventPath
    if (opts.payload !== undefined) fs.writeFileSync(eventPath, JSON.stringify(ev.payload, null, 2))
  } else {
    eventPath = path.join(runnerTemp, '_github_workflow', 'event.json')
    fs.mkdirSync(path.dirname(eventPath), { recursive: true })
    fs.writeFileSync(eventPath, JSON.stringify(ev.payload, null, 2))
  }

  const token = opts.token ?? fakeToken()
  const runtimeToken = `fake-actions-runtime-${randomBytes(12).toString('hex')}`
  const masker = new Masker()
  masker.addSecret(token)
  masker.addSecret(runtimeToken)
  for (const s of opts.secrets ?? []) masker.addSecret(s)

  const github = githubContext(ev, { workspace, eventPath }, opts.github)
  const runner = runnerContext({ runnerTemp, toolCache, workspace }, opts.debug ?? false)
  const given = resolveInputs(manifest, opts.inputs, expressionContexts(github, runner, token))
  const job: JobEnv = {
    inherited: inheritedEnv(opts.inheritEnv),
    home,
    workflowEnv: opts.env ?? {},
    inputs: given.inputs,
    github,
    runner,
    runtimeToken,
    eventPath
  }

  const node = opts.node ?? process.execPath
  const timeoutMs = opts.timeoutMs ?? 240_000
  const entry = opts.entry ?? (manifest.main ? path.resolve(manifest.dir, manifest.main) : undefined)
  if (!entry) throw new Error(`${actionYml}: no runs.main and no entry given`)
  if (!fs.existsSync(entry)) throw new Error(`action entry ${entry} does not exist (build dist/ first: npm run build)`)

  const mainFiles = createFileCommandFiles(runnerTemp)
  const main = await runStep({
    stage: 'main',
    node,
    script: entry,
    cwd: workspace,
    env: stepEnv(job, mainFiles, {}, {}, []),
    files: mainFiles,
    timeoutMs,
    debug: opts.debug ?? false,
    masker,
    preLog: given.log,
    preAnnotations: given.annotations
  })

  let postScript = opts.postEntry
  if (postScript === undefined && manifest.post !== undefined) {
    postScript = manifest.post === manifest.main ? entry : path.resolve(manifest.dir, manifest.post)
  }
  let post: StepResult | undefined
  const postWanted = postCondition(opts.postIf ?? manifest.postIf ?? 'always()', main.conclusion)
  if ((opts.post ?? true) && postScript !== undefined && postWanted) {
    const postFiles = createFileCommandFiles(runnerTemp)
    post = await runStep({
      stage: 'post',
      node,
      script: postScript,
      cwd: workspace,
      env: stepEnv(job, postFiles, main.state, main.envFile, main.pathFile),
      files: postFiles,
      timeoutMs,
      debug: opts.debug ?? false,
      masker,
      preLog: [],
      preAnnotations: []
    })
  }

  return {
    main,
    post,
    outputs: main.outputs,
    state: main.state,
    envFile: main.envFile,
    summary: main.summary,
    masks: [...masker.values],
    token,
    dirs: { root, home, runnerTemp, toolCache, workspace, files: { ...mainFiles, eventPath } },
    cleanup: async () => {
      if (root) await removeRoot(root)
    }
  }
}
