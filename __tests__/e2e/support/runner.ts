// Runs a JavaScript action bundle the way the GitHub Actions runner (actions/runner) runs a
// `using: node*` action: same environment, same file commands, same stdout command processing
// and secret masking, and a post step fed with the saved state.
//
// This file is what the tests import; the parts live in runner/, each saying at its top which
// actions/runner sources it follows:
//   run-action.ts         runAction: dirs, event file, masker, contexts, main then post
//   contexts.ts           github/runner contexts derived from the event (ref, sha, actor, ids)
//   manifest.ts           action.yml: inputs and their defaults (`${{ }}`), runs.main/post/post-if
//   step-env.ts           a step's environment and its order (env < STATE_* < INPUT_* < contexts)
//   step.ts               the step process: spawn, line splitting of stdout/stderr, timeout
//   step-log.ts           what the runner does with each line: commands, annotations, the log
//   workflow-commands.ts  parsing `::cmd::` / `##[cmd]` lines
//   masking.ts            the job-wide secret masker and the encodings it hides
//   file-commands.ts      GITHUB_OUTPUT/STATE/ENV/PATH/STEP_SUMMARY files: creation and parsing
//   post-if.ts            the post step's condition
//   plugins.ts            the user's docker CLI plugins in a fresh HOME / DOCKER_CONFIG
//   cleanup.ts            the temp dirs of the runs
//   options.ts, results.ts  RunOptions; StepResult, RunResult and the other result types

export {
  pushPayload,
  pullRequestPayload,
  releasePayload,
  schedulePayload,
  workflowDispatchPayload,
  repositoryObject,
  DEFAULT_REPOSITORY,
  DEFAULT_SHA,
  DEFAULT_MERGE_SHA,
  DEFAULT_PR_HEAD_SHA
} from './payloads.js'
export type {
  RepositoryOptions,
  PushOptions,
  PullRequestOptions,
  ReleaseOptions,
  ScheduleOptions,
  WorkflowDispatchOptions
} from './payloads.js'

export { cleanupRuns } from './runner/cleanup.js'
export { parseFileCommands } from './runner/file-commands.js'
export { REPO_ROOT, evaluateDefault, inputEnvName, readActionManifest } from './runner/manifest.js'
export { maskSecrets, maskVariants } from './runner/masking.js'
export type { RunOptions } from './runner/options.js'
export { shareRunnerPlugins, shareUserPlugins } from './runner/plugins.js'
export { postCondition } from './runner/post-if.js'
export { annotationsOf, type Annotation, type RunResult, type StepFiles, type StepResult, type WorkflowCommand } from './runner/results.js'
export { runAction } from './runner/run-action.js'
export { INHERITED_ENV } from './runner/step-env.js'
export { parseWorkflowCommand } from './runner/workflow-commands.js'
