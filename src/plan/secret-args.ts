/**
 * Build args that carry a secret: a build arg stays in the image's history (`docker history`,
 * the config blob), readable by anyone who pulls the image; `secrets` is the way to pass one.
 */
import type { Settings } from './inputs/settings.js'

/** The names of the build args whose value holds the value of a secret input (never the values). */
export function secretBuildArgs(s: Settings, env: Record<string, string | undefined>): string[] {
  const secrets = [
    s.password,
    s.githubToken,
    ...s.registries.map(r => r.password),
    ...s.secrets.map(x => x.value),
    ...s.secretEnvs.map(x => env[x.env] ?? '')
  ]
    .map(v => v.trim())
    .filter(v => v !== '')
  // A short secret only by equality: "1" must not flag every number.
  const holds = (value: string): boolean => secrets.some(v => (v.length < 6 ? value.trim() === v : value.includes(v)))
  return s.buildArgs.filter(a => holds(a.value)).map(a => a.key)
}
