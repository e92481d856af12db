// Two projects: `unit` (pure logic, mocks allowed) and `e2e` (the bundled dist/ against a real
// engine and registry, started by scripts/e2e-env.sh).
const common = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] }
}

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/__tests__/e2e/**/*.test.ts'],
      setupFiles: ['<rootDir>/__tests__/e2e/support/engine-host.ts']
    }
  ],
  // Per-project testTimeout is ignored by jest: the e2e builds need more than the 5 s default.
  testTimeout: 300000
}
