import * as path from 'node:path'

/**
 * The Dockerfile path an annotation carries: GitHub places an annotation by its path relative to
 * the repository (GITHUB_WORKSPACE), so `/home/runner/work/app/app/docker/Dockerfile` becomes
 * `docker/Dockerfile`. A relative FILE is taken from CWD (the step's working directory); a file
 * outside the workspace, or no workspace at all, keeps its path as given.
 */
export function annotationFile(file: string, workspace: string | undefined, cwd = process.cwd()): string {
  if (!file || !workspace) return file
  const rel = path.relative(path.resolve(workspace), path.resolve(cwd, file))
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return file
  return rel.split(path.sep).join('/')
}
