/**
 * Where the `test` input is read: a shell command run on the runner after the build and before any
 * tag is pushed (the plan of it: plan/test-plan.ts).
 */
export interface TestInputs {
  /** The test command (bash -e, in the workspace, with IMAGE set); '' for none. */
  test: string
}

export function readTestInputs(get: (name: string) => string): TestInputs {
  return { test: get('test').trim() }
}
