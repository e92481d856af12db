// Entry of the main step (the post step has its own: post.ts, dist/post/index.js).
// The engine probe starts first, with node built-ins only; the action itself (its own bundle,
// dist/main/) loads while the probe runs.
import { startEarlyProbe } from './engine/probe/early-probe.js'

const early = startEarlyProbe(process.env)
// dist/main/index.js, a bundle of its own (see the build script), loaded while the probe runs.
const bundle: string = './main/index.js'
const { run } = (await import(/* webpackIgnore: true */ bundle)) as typeof import('./step/main.js')
await run(early)
