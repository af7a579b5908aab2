import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  // schema-validator.ts is generated (src/config/schema-compile.ts).
  { ignores: ['dist/**', 'node_modules/**', '.tap/**', 'src/config/schema-validator.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The RIB is read through its API (rib/rib-reader.ts), never through its columns and stores.
    files: ['src/**/*.ts'],
    ignores: ['src/rib/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'MemberExpression[property.name=/^(loc|importStore|exportStore|sources)$/]', message: 'RIB internals: read the RIB through rib.reader (src/rib/rib-reader.ts)' },
      ],
    },
  },
);
