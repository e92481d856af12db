// Entry of the main and the post step.
// - post: log out and clean up with node built-ins only (post.ts), without loading the action.
// - main: the engine probe starts first, with node built-ins only; the action itself loads while
//   the probe runs.
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
  const { run } = await import(/* webpackMode: "eager" */ './main.js')
  await run(early)
}
