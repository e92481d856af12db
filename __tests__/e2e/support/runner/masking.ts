// Secret masking as the runner does it (actions/runner sources):
//   - Masks are job-wide (HostContext.SecretMasker): registered values and their encodings
//     (base64 + shifted, JSON, URI, XML, expression escape, quote-trimmed) are replaced by *** in
//     every line logged after the registration, in main and in post.
//   - Job secrets are registered trimmed, and each of their lines too (Worker.InitializeSecretMasker).

/** System.Uri.EscapeDataString: only RFC 3986 unreserved characters are kept. */
function uriDataEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** The strings the runner's SecretMasker hides for one registered value (value + encodings). */
export function maskVariants(value: string): string[] {
  const b64 = (buf: Buffer): string => buf.toString('base64')
  const bytes = Buffer.from(value, 'utf8')
  const shift = (n: number): string => b64(bytes.length > n ? bytes.subarray(n) : bytes)
  const json = JSON.stringify(value).slice(1, -1)
  const xml = value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;')
  const trimmedQuotes = value.length > 8 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : ''
  const all = [value, b64(bytes), shift(1), shift(2), value.replaceAll("'", "''"), json, uriDataEscape(value), xml, trimmedQuotes]
  return [...new Set(all.filter(v => v !== ''))]
}

/** SecretMasker.MaskSecrets: every occurrence of every variant; overlapping or touching ranges
 *  merge into one `***`. */
export function maskSecrets(line: string, variants: Iterable<string>): string {
  const ranges: Array<[number, number]> = []
  for (const v of variants) {
    if (v === '') continue
    for (let i = line.indexOf(v); i >= 0; i = line.indexOf(v, i + 1)) ranges.push([i, i + v.length])
  }
  if (ranges.length === 0) return line
  ranges.sort((a, b) => a[0] - b[0])
  let out = ''
  let pos = 0
  let cur: [number, number] | null = null
  for (const r of ranges) {
    if (cur && r[0] <= cur[1]) {
      cur[1] = Math.max(cur[1], r[1])
      continue
    }
    if (cur) {
      out += line.slice(pos, cur[0]) + '***'
      pos = cur[1]
    }
    cur = [r[0], r[1]]
  }
  if (cur) out += line.slice(pos, cur[0]) + '***' + line.slice(cur[1])
  return out
}

/** The job's masker: one per run, shared by main and post. */
export class Masker {
  readonly values: string[] = []
  private variants = new Set<string>()
  add(value: string): void {
    if (value === '') return
    this.values.push(value)
    for (const v of maskVariants(value)) this.variants.add(v)
  }
  /** Job secrets (Worker.InitializeSecretMasker): trimmed value plus each trimmed line. */
  addSecret(value: string): void {
    const v = value.trim()
    this.add(v)
    for (const line of v.split(/[\r\n]+/)) if (line.trim() !== '') this.add(line.trim())
  }
  mask(s: string): string {
    return maskSecrets(s, this.variants)
  }
}
