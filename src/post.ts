// Entry of the post step (dist/post/index.js, action.yml's runs.post): log out and clean up with
// node built-ins only (step/post.ts). An entry of its own, so the post step never runs main's code,
// not even when main saved no state (cancelled before it started, no GITHUB_STATE file).
import { post } from './step/post.js'

await post() // only warns: the job's result is main's
