// The docker CLI plugins (buildx) of the machine, in the fresh HOME or DOCKER_CONFIG of a run.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

/**
 * The runner's HOME is the machine's own: a buildx installed per user (Docker Desktop,
 * docker/setup-buildx-action: ~/.docker/cli-plugins, or $DOCKER_CONFIG/cli-plugins) is there for
 * every step. A fresh HOME per run would hide it, so its .docker/cli-plugins links to the plugin
 * folder of the user running the tests, when that exists.
 */
export function shareRunnerPlugins(home: string): void {
  shareUserPlugins(path.join(home, '.docker'))
}

/** The same for a docker config folder of a test's own (DOCKER_CONFIG): its cli-plugins is the user's. */
export function shareUserPlugins(configDir: string): void {
  const own = path.join(process.env.DOCKER_CONFIG || path.join(os.homedir(), '.docker'), 'cli-plugins')
  const link = path.join(configDir, 'cli-plugins')
  if (!fs.existsSync(own) || fs.existsSync(link)) return
  fs.mkdirSync(configDir, { recursive: true })
  fs.symlinkSync(own, link)
}
