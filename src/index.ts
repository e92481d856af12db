// Entry of the main and the post step.
// - post: log out and clean up with node built-ins only (post.ts), without loading the action.
// - main: the engine probe starts first, with node built-ins only; the action itself (its own
//   bundle, dist/main/) loads while the probe runs.
import { startEarlyProbe } from './engine/probe/early-probe.js'
import { post } from './step/post.js'
import { isPostStep } from './shared/runner-env.js'

if (isPostStep(process.env)) {
  await post() // only warns: the job's result is main's
} else {
  const early = startEarlyProbe(process.env)
  // dist/main/index.js, a bundle of its own (see the build script), loaded while the probe runs.
  const bundle: string = './main/index.js'
  const { run } = (await import(/* webpackIgnore: true */ bundle)) as typeof import('./step/main.js')
  await run(early)
}
