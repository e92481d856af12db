// Entry of the main and the post step. The engine probe starts first, with node built-ins only;
// the action itself (its own chunk) loads while the probe runs.
import { startEarlyProbe } from './early-probe.js'

const early = startEarlyProbe(process.env)
const { run } = await import(/* webpackMode: "eager" */ './main.js')
await run(early)
