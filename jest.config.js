/** Tests run TypeScript sources directly through swc: no separate build step, fast start. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/samples'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Samples import the package by name, as users do; tests run them against the sources.
  moduleNameMapper: {
    '^hybrid-iac$': '<rootDir>/index.ts',
    '^hybrid-iac/constructs/(.*)$': '<rootDir>/constructs/$1/index.ts',
  },
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/samples/.*/node_modules/', '<rootDir>/.jsii-build/'],
  testTimeout: 30000,
  maxWorkers: 2,
};
