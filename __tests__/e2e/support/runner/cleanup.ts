// The temp dirs runAction creates, so that one afterAll can remove every one of them (and a
// run's own cleanup() only its own).
import * as fs from 'node:fs'

const createdRoots = new Set<string>()

/** Remember a temp root made for a run (removed by cleanupRuns unless its run removed it). */
export function trackRoot(root: string): void {
  createdRoots.add(root)
}

/** Remove one run's temp root now. */
export async function removeRoot(root: string): Promise<void> {
  createdRoots.delete(root)
  await fs.promises.rm(root, { recursive: true, force: true })
}

/** Remove every temp dir created by runAction in this process (for afterAll). */
export async function cleanupRuns(): Promise<void> {
  const roots = [...createdRoots]
  createdRoots.clear()
  await Promise.all(roots.map(r => fs.promises.rm(r, { recursive: true, force: true })))
}
