import { annotationFile } from '../../src/step/annotation-file.js'

describe('annotationFile: the Dockerfile path relative to GITHUB_WORKSPACE, as GitHub places annotations', () => {
  const ws = '/home/runner/work/app/app'
  it.each<[string, string, string | undefined, string, string]>([
    ['an absolute path inside the workspace', `${ws}/docker/Dockerfile`, ws, ws, 'docker/Dockerfile'],
    ['a relative path from the workspace', 'Dockerfile', ws, ws, 'Dockerfile'],
    ['a relative path from a subdirectory', 'Dockerfile', ws, `${ws}/svc`, 'svc/Dockerfile'],
    ['a path with dot segments', `${ws}/a/../b/Dockerfile`, ws, ws, 'b/Dockerfile'],
    ['a trailing slash on the workspace', `${ws}/Dockerfile`, `${ws}/`, ws, 'Dockerfile'],
    ['a file outside the workspace', '/tmp/Dockerfile', ws, ws, '/tmp/Dockerfile'],
    ['no workspace (run outside GitHub)', '/src/Dockerfile', undefined, '/src', '/src/Dockerfile'],
    ['no file', '', ws, ws, '']
  ])('%s', (_name, file, workspace, cwd, expected) => {
    expect(annotationFile(file, workspace, cwd)).toBe(expected)
  })
})
