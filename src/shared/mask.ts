/**
 * Which values become log masks (core.setSecret). The runner masks every occurrence in the log,
 * so a short or punctuation-only value (`==`, `-----`) would blank out ordinary text.
 */

/** Worth masking: at least 4 characters and not only punctuation or white space. */
export function maskable(value: string): boolean {
  return value.length >= 4 && /[\p{L}\p{N}]/u.test(value)
}

/** The masks for a value: the runner masks per line, so each of its maskable lines, trimmed. */
export function maskLines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(maskable)
}
