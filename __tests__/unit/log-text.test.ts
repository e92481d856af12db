import { describe, expect, it } from '@jest/globals'
import { parseWorkflowCommand } from '../e2e/support/runner.js'
import { plain } from '../../src/shared/log-text.js'

describe('plain', () => {
  it.each([
    ['::error::x'],
    ['  ::add-mask::secret'],
    ['a\n::warning::x'],
    ['a\r\n::error file=a::x'],
    ['a\r::error::x'],
    ['text ##[error]x'],
    ['::stop-commands::tok']
  ])('keeps %j from being read as a workflow command', text => {
    const out = plain(text)
    expect(out.split(/\r?\n|\r/)).toHaveLength(1)
    expect(parseWorkflowCommand(out)).toBeNull()
  })

  it.each([['refs/heads/main'], ['org.opencontainers.image.title=App'], ['a:b::c']])('leaves %j as it is', text => {
    expect(plain(text)).toBe(text)
  })
})
