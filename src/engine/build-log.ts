/** Reading BuildKit's plain progress output: cache hits, and what failed where. */

export interface StepCounts {
  steps: number
  cached: number
}

/**
 * References one `buildx build --push` run pushed: `pushing manifest for REF@sha256:... done`,
 * minus any it then names in `failed to push REF:` (BuildKit marks the tag's manifest done before
 * a child manifest's PUT fails).
 */
export function pushedReferences(log: string): string[] {
  const refs = new Set<string>()
  for (const m of log.matchAll(/pushing manifest for (\S+)@sha256:[0-9a-f]{64}.* done$/gm)) refs.add(m[1] as string)
  for (const m of log.matchAll(/failed to push (\S+): /g)) refs.delete(m[1] as string)
  return [...refs]
}

/** Counts the Dockerfile steps (`#5 [2/3] RUN ...`) and those BuildKit took from cache (`#5 CACHED`). */
export function countSteps(log: string): StepCounts {
  const steps = new Set<string>()
  const cached = new Set<string>()
  for (const line of log.split('\n')) {
    const step = /^#(\d+) \[(?:[^\]]*? )?\d+\/\d+\]/.exec(line)
    if (step) steps.add(step[1] as string)
    const hit = /^#(\d+) CACHED\s*$/.exec(line)
    if (hit) cached.add(hit[1] as string)
  }
  return { steps: steps.size, cached: [...cached].filter(id => steps.has(id)).length }
}

export interface BuildFailure {
  /** One-line headline: the failing step and BuildKit's reason. */
  summary: string
  /** BuildKit's final error, without `ERROR:`. */
  reason: string
  /** The Dockerfile step that failed (`[3/4] RUN ...`); undefined when no step failed (a push). */
  step?: string
  /** The useful lines: the step's own output and BuildKit's error. */
  details: string[]
  /** `Dockerfile:N` that BuildKit named, for an annotation. */
  line?: number
}

/**
 * Finds the failing step, its output, the Dockerfile line and the final error in BuildKit's
 * plain output (the block BuildKit prints between `------` lines after ` > [2/3] RUN ...:`).
 */
export function parseBuildFailure(log: string, dockerfile = ''): BuildFailure {
  const lines = log.split('\n').map(l => l.replace(/\r$/, ''))
  const errorLine = [...lines].reverse().find(l => /^(ERROR|error):/.test(l.trim()))
  const reason =
    errorLine?.trim().replace(/^(ERROR|error):\s*/, '') ??
    lines
      .filter(l => l.trim())
      .slice(-1)[0]
      ?.trim() ??
    'the build failed'
  const details: string[] = []
  let step: string | undefined
  let line: number | undefined
  // BuildKit prints a ` > vertex:` block for every vertex that errored, a missing cache import
  // among them: the failing Dockerfile step is the one named `[n/m]`.
  const blocks = lines.flatMap((l, i) => (/^ > .*:$/.test(l) ? [i] : []))
  const start = blocks.filter(i => /^ > \[/.test(lines[i] as string)).pop() ?? blocks.pop() ?? -1
  if (start >= 0) {
    step = (lines[start] as string).replace(/^ > /, '').replace(/:$/, '')
    for (let i = start + 1; i < lines.length; i++) {
      const l = lines[i] as string
      if (/^-{6,}$/.test(l.trim())) {
        if (details.length > 0 || i > start + 1) break
        continue
      }
      details.push(l)
    }
  }
  for (const l of lines) {
    const m = /^(\S*Dockerfile\S*|\S+\.dockerfile|\S+):(\d+)$/i.exec(l.trim())
    if (m && /dockerfile/i.test(m[1] as string)) line = Number(m[2])
  }
  // BuildKit before v0.9 (dockerd 20.10's own) names no line: find the failing step's instruction.
  if (line === undefined && step !== undefined && dockerfile) line = stepLine(dockerfile, step)
  // Keep the source excerpt BuildKit shows (`>>> RUN exit 3`) so the user sees the failing line.
  const excerpt = lines.filter(l => /^\s*\d+ \| >>> /.test(l)).map(l => l.trim())
  const where = [step, line !== undefined ? `Dockerfile line ${line}` : undefined].filter(Boolean).join(', ')
  const summary = where ? `Build failed at ${where}: ${reason}` : `Build failed: ${reason}`
  const cleaned = details.map(d => d.replace(/^\d+\.\d+ /, '').trimEnd()).filter(d => d.trim() !== '')
  return { summary, reason, step, details: [...cleaned, ...excerpt], line }
}

/** An instruction as BuildKit prints it in a step name, for comparing with the Dockerfile's text. */
const normalised = (text: string): string => text.replace(/\s+/g, ' ').trim().toLowerCase()

/**
 * The Dockerfile line where the instruction of STEP (`[3/4] RUN make`) starts, continuation
 * lines joined as BuildKit joins them; undefined unless exactly one instruction matches.
 */
export function stepLine(dockerfile: string, step: string): number | undefined {
  const instruction = /^\[(?:[^\]]*? )?\d+\/\d+\]\s+(.+)$/.exec(step)?.[1]
  if (!instruction) return undefined
  const want = normalised(instruction)
  const lines = dockerfile.split('\n')
  const found: number[] = []
  for (let i = 0; i < lines.length; i++) {
    let text = lines[i] as string
    for (let j = i; /\\\s*$/.test(lines[j] as string) && j + 1 < lines.length; j++) text = `${text.replace(/\\\s*$/, ' ')}${lines[j + 1]}`
    if (normalised(text) === want) found.push(i + 1)
  }
  return found.length === 1 ? found[0] : undefined
}

/**
 * BuildKit's reasons that come before anything is exported: a Dockerfile it cannot parse, a
 * target no stage has, a base image it cannot resolve (its registry down or the image missing).
 */
const BEFORE_EXPORT =
  /dockerfile parse error|failed to parse (stage name|dockerfile)|target stage "[^"]*" could not be found|failed to resolve source metadata for|load metadata for|failed to read dockerfile|failed to compute cache key/i

/**
 * Whether a failed `buildx build --push` failed in pushing rather than in building: BuildKit
 * pushes inside its export vertex (`exporting to image`), so a registry fault shows up as a
 * failed step too, and it must go to the push retries, not be reported as a broken Dockerfile.
 * A failure before the export (a parse error, a missing target, a base image that cannot be
 * resolved) is a build failure, even when its reason is a registry's connection refused.
 */
export function isPushFailure(failure: BuildFailure): boolean {
  if (BEFORE_EXPORT.test(failure.reason)) return false
  if (failure.step !== undefined) {
    if (/^(exporting|pushing|writing image|naming to)/i.test(failure.step)) return true
    // `[auth] repo:pull,push token for ...` is the push's own credentials; other `[...]` vertices
    // (`[2/3] RUN`, `[internal] load metadata`, `[auth] repo:pull token`) are the build's.
    if (/^\[auth\] \S*push/i.test(failure.step)) return true
    if (/^\[/.test(failure.step)) return false
  }
  return /failed to push|failed commit on ref|unexpected status from \w+ request|failed to (do|authorize) request/i.test(failure.reason)
}
