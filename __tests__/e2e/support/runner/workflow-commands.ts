// Parsing of one output line as a workflow command, as the runner does it (actions/runner sources):
// `::cmd k=v,k2=v2::data` after TrimStart (ActionCommand.TryParseV2), also the old
// `##[cmd k=v;k2=v2]data` anywhere in a line (ActionCommand.TryParse); command names are
// case-insensitive; unknown names are plain output. What a command then does is step-log.ts.

/** Names the runner registers as commands (ActionCommandManager + its extensions). */
const REGISTERED_COMMANDS = new Set([
  'stop-commands',
  'set-env',
  'set-output',
  'save-state',
  'add-mask',
  'add-path',
  'add-matcher',
  'remove-matcher',
  'warning',
  'error',
  'notice',
  'debug',
  'group',
  'endgroup',
  'echo'
])

function unescapeData(s: string): string {
  return s.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%25', '%')
}
function unescapeProperty(s: string): string {
  return s.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%3A', ':').replaceAll('%2C', ',').replaceAll('%25', '%')
}
function unescapeV1(s: string): string {
  return s.replaceAll('%3B', ';').replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%5D', ']').replaceAll('%25', '%')
}

/**
 * Parse one output line as a workflow command, as ActionCommand.TryParseV2 then TryParse do.
 * `extraCommands`: further names that count as commands (the stop-commands resume token).
 * Returns null for a plain line.
 */
export function parseWorkflowCommand(
  line: string,
  extraCommands: Iterable<string> = []
): { command: string; properties: Record<string, string>; message: string } | null {
  const known = (name: string): boolean => {
    const n = name.toLowerCase()
    if (REGISTERED_COMMANDS.has(n)) return true
    for (const e of extraCommands) if (e.toLowerCase() === n) return true
    return false
  }
  // v2: ::name k=v,k=v::data
  const msg = line.trimStart()
  if (msg.startsWith('::')) {
    const end = msg.indexOf('::', 2)
    if (end >= 0) {
      const info = msg.slice(2, end)
      const sp = info.indexOf(' ')
      const name = sp < 0 ? info : info.slice(0, sp)
      if (name !== '' && known(name)) {
        const properties: Record<string, string> = {}
        if (sp > 0) {
          for (const p of info
            .slice(sp + 1)
            .trim()
            .split(',')) {
            if (p === '') continue
            const eq = p.indexOf('=')
            // .NET Split('=', 2, RemoveEmptyEntries): 'k=' and '=v' give one part -> ignored
            if (eq > 0 && eq < p.length - 1) properties[p.slice(0, eq).toLowerCase()] = unescapeProperty(p.slice(eq + 1))
          }
        }
        return { command: name.toLowerCase(), properties, message: unescapeData(msg.slice(end + 2)) }
      }
    }
  }
  // v1: ##[name k=v;k=v]data, anywhere in the line
  const p = line.indexOf('##[')
  if (p >= 0) {
    const rb = line.indexOf(']', p)
    if (rb >= 0) {
      const info = line.slice(p + 3, rb)
      const sp = info.indexOf(' ')
      const name = sp < 0 ? info : info.slice(0, sp)
      if (name !== '' && known(name)) {
        const properties: Record<string, string> = {}
        if (sp > 0) {
          for (const q of info.slice(sp + 1).split(';')) {
            if (q === '') continue
            const eq = q.indexOf('=')
            if (eq > 0 && eq < q.length - 1) properties[q.slice(0, eq).toLowerCase()] = unescapeV1(q.slice(eq + 1))
          }
        }
        return { command: name.toLowerCase(), properties, message: unescapeV1(line.slice(rb + 1)) }
      }
    }
  }
  return null
}
