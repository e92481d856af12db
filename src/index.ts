// Entry of the main and the post step.
// - post: log out and clean up with node built-ins only (post.ts), without loading the action.
// - main: the engine probe starts first, with node built-ins only; the action itself (its own
//   bundle, dist/main/) loads while the probe runs.
import { startEarlyProbe } from './early-probe.js'
import { escapeData, post } from './post.js'

if (process.env.STATE_isPost === 'true') {
  try {
    await post()
  } catch (e) {
    // The post step only warns: the job's result is main's.
    process.stdout.write(`::warning::${escapeData(e instanceof Error ? e.message : String(e))}\n`)
  }
} else {
  const early = startEarlyProbe(process.env)
  // dist/main/index.js, a bundle of its own (see the build script), loaded while the probe runs.
  const bundle: string = './main/index.js'
  const { run } = (await import(/* webpackIgnore: true */ bundle)) as typeof import('./main.js')
  await run(early)
}
