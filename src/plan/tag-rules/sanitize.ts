/**
 * Tag names: what metadata-action does to a value (each run of characters a tag cannot hold
 * becomes one `-`) and what a registry needs on top (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`).
 */
import { createHash } from 'node:crypto'

const hash8 = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 8)

/**
 * Makes any string a valid Docker tag `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`: other characters become
 * `-`, leading `.`/`-` go, and a tag over 128 characters is cut and ends with 8 hex of the hash of
 * the whole string, so two long branches never share a tag.
 */
export function sanitizeTag(raw: string): string {
  let tag = raw.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[.-]+/, '')
  if (tag.length > 128) tag = `${tag.slice(0, 119)}-${hash8(raw)}`
  if (tag === '') tag = `ref-${hash8(raw)}`
  return tag
}

/**
 * A value of a tag rule as a tag: metadata-action's sanitising (runs of other characters -> one
 * `-`), then what metadata-action leaves to the registry to refuse: a leading `.`/`-` is dropped and
 * a tag over 128 characters shortened as above. '' when nothing is left.
 */
export function ruleTag(value: string): string {
  const meta = value.replace(/[^a-zA-Z0-9._-]+/g, '-')
  return meta.replace(/^[.-]+/, '') === '' ? '' : sanitizeTag(meta)
}
