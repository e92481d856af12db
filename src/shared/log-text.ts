/**
 * Text from the repository, the event payload or an engine, made safe for a plain log line: the
 * runner reads any output line starting `::` (after blanks) or holding `##[` as a workflow command.
 */
export function plain(text: string): string {
  // A zero-width space after the first colon, and inside `##[`: the text reads the same, runs nothing.
  return text
    .replace(/\r\n?|\n/g, '\\n')
    .replace(/^(\s*:)(?=:)/, '$1\u200b')
    .replaceAll('##[', '##\u200b[')
}
