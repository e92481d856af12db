// Jest setup of the e2e project: the suite's main engine. scripts/e2e-env.sh starts a dockerd of
// its own beside an owner's Docker that keeps the classic image store (E2E_DOCKER_HOST then names
// its socket); the tests' own docker commands and every step they run (as a job's `env:` would)
// go there. With the engine on the system socket nothing is set.
import { readFileSync } from 'node:fs'
import * as path from 'node:path'

const file = path.join(process.env.E2E_STATE_DIR || '/var/tmp/docker-ship-e2e', 'env')
let host: string | undefined
try {
  host = /^E2E_DOCKER_HOST=(.+)$/m.exec(readFileSync(file, 'utf8'))?.[1]
} catch {
  // no env file: readE2EEnv() in the tests says how to make one
}
if (host && host !== 'unix:///var/run/docker.sock') process.env.DOCKER_HOST = host
