// One lint config for the whole workspace. The Nx module-boundary rule enforces the package
// graph of DESIGN.md §2: each project carries exactly one scope:* and one type:* tag
// (tools/scripts/check-tags.mjs fails the lint otherwise), and a type may import only lower types.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const layers = {
  'type:api': [],
  'type:util': ['type:api'],
  'type:data-access': ['type:api', 'type:util'],
  'type:domain': ['type:api', 'type:util', 'type:data-access'],
  // registry: storage + REST server; only apps, tools and e2e may import it.
  'type:server': ['type:api', 'type:util'],
  'type:app': ['type:api', 'type:util', 'type:data-access', 'type:domain', 'type:server'],
  'type:tool': ['type:api', 'type:util', 'type:data-access', 'type:domain', 'type:server', 'type:app'],
  'type:e2e': ['type:api', 'type:util', 'type:data-access', 'type:domain', 'type:server', 'type:app', 'type:tool'],
};

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', '**/*.mjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          enforceBuildableLibDependency: false,
          banTransitiveDependencies: true,
          depConstraints: [
            ...Object.entries(layers).map(([sourceTag, allowed]) => ({
              sourceTag,
              onlyDependOnLibsWithTags: allowed,
            })),
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:control-plane', onlyDependOnLibsWithTags: ['scope:control-plane', 'scope:shared'] },
            { sourceTag: 'scope:node', onlyDependOnLibsWithTags: ['scope:node', 'scope:shared'] },
            { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:dev', onlyDependOnLibsWithTags: ['*'] },
            // Only registry talks to etcd and serves HTTP; only kubelet-runtime talks to Docker.
            { sourceTag: 'scope:shared', bannedExternalImports: ['etcd3', 'express', 'dockerode', '@oclif/*'] },
            { sourceTag: 'scope:node', bannedExternalImports: ['etcd3', 'express', '@oclif/*'] },
            { sourceTag: 'type:domain', bannedExternalImports: ['etcd3', 'express'] },
            { sourceTag: 'type:app', bannedExternalImports: ['etcd3', 'dockerode', 'express'] },
          ],
        },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'pino', message: 'Use createLogger from @tskube/component-base.' }],
          patterns: [{ group: ['@tskube/*/src/*', '@tskube/*/dist/*'], message: 'Import the package entry point.' }],
        },
      ],
    },
  },
  {
    files: ['packages/component-base/src/logging/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.test.ts', 'e2e/**/*.ts', 'tools/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
