// The options of runAction: what a workflow, its event and the runner machine would decide, and
// the harness's own knobs (entry scripts, timeouts, which dirs to use).

export interface RunOptions {
  /** Action inputs as written under `with:` (name -> value; booleans/numbers become strings). */
  inputs?: Record<string, string | number | boolean>
  /** Default 'push'. */
  eventName?: string
  /** Written to the GITHUB_EVENT_PATH file; default: a realistic payload for `eventName`. */
  payload?: object
  /** A path used as is for GITHUB_EVENT_PATH (the payload is written there only if `payload`
   *  is given too), or null to leave GITHUB_EVENT_PATH unset. */
  eventPath?: string | null
  /** Default: from the payload (push: payload.ref; pull_request: refs/pull/N/merge;
   *  pull_request_target: base branch; release: refs/tags/<tag>; others: default branch). */
  ref?: string
  /** Default: push: payload.after; pull_request: DEFAULT_MERGE_SHA; else DEFAULT_SHA. */
  sha?: string
  /** Default payload.repository.full_name, else 'octo-org/Hello-App'. */
  repository?: string
  /** Default payload.sender.login, else 'octocat'. */
  actor?: string
  /** GITHUB_WORKSPACE and cwd; default a fresh <tmp>/work/<name>/<name> (like the runner). */
  workspace?: string
  /** Workflow/job/step `env:` (e.g. DOCKER_HOST). Cannot override GITHUB_x, RUNNER_x, INPUT_x or STATE_x variables. */
  env?: Record<string, string>
  /** Extra names of the test process's environment to pass through (see INHERITED_ENV). */
  inheritEnv?: string[]
  /** Values handled like `${{ secrets.X }}`: masked from the start of the job. */
  secrets?: string[]
  /** HOME of the steps; default a fresh temp dir per run, whose .docker/cli-plugins is this
   *  machine's user plugin folder (see shareRunnerPlugins). */
  home?: string
  /** false: the fresh HOME gets no .docker/cli-plugins (layout tests place plugins themselves). */
  runnerPlugins?: boolean
  /** RUNNER_TEMP; default a fresh temp dir. */
  runnerTemp?: string
  /** Script of the main step; default <action dir>/<runs.main> of `actionYml`. */
  entry?: string
  /** Script of the post step; default `entry` when runs.post == runs.main, else <dir>/<runs.post>. */
  postEntry?: string
  /** Run the post step (when action.yml has `runs.post` or `postEntry` is given). Default true. */
  post?: boolean
  /** The post step's condition instead of action.yml's `runs.post-if` (e.g. a fake entry's). */
  postIf?: string
  /** Default <repo>/action.yml. */
  actionYml?: string
  /** Per step, default 240 000 ms. On expiry the process group gets SIGTERM, then SIGKILL. */
  timeoutMs?: number
  /** ACTIONS_STEP_DEBUG: RUNNER_DEBUG=1 and ::debug:: lines shown in the log. */
  debug?: boolean
  /** Node binary, default the one running the tests. */
  node?: string
  /** Override/add github context values, keyed without prefix, e.g. { server_url: '...' }. */
  github?: Record<string, string>
  /** GITHUB_TOKEN value for `${{ github.token }}`; default a fake 'ghs_…' (masked). */
  token?: string
}
