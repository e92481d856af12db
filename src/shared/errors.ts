/**
 * An error the user can fix: its message is one line naming the input, the bad value and the fix.
 * `run()` turns it into the action's failure without a stack trace.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InputError'
  }
}

/** Quotes a user value for an error message, cut short so one line stays one line. */
export function show(value: string, max = 80): string {
  const oneLine = value.replace(/\r?\n/g, '\\n')
  const cut = oneLine.length > max ? `${oneLine.slice(0, max)}...` : oneLine
  return `"${cut}"`
}
