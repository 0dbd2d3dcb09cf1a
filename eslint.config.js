// ESLint (flat config) for the browser client and its tests: `npm run lint`, part of `npm test`.
import js from '@eslint/js';
import globals from 'globals';

/** Rules beyond `recommended` that catch real bugs (not style). */
const bugCatchers = {
  eqeqeq: ['error', 'always', { null: 'ignore' }],
  'no-unused-vars': ['error', { ignoreRestSiblings: true }],
  'no-use-before-define': ['error', { functions: false, classes: false, variables: true }],
  'no-promise-executor-return': 'error',
  'no-self-compare': 'error',
  'no-template-curly-in-string': 'error',
  'no-unmodified-loop-condition': 'error',
  'no-unreachable-loop': 'error',
  'no-constructor-return': 'error',
  'array-callback-return': 'error',
  'prefer-const': 'error',
  'no-var': 'error',
};

export default [
  {
    ignores: [
      // Generated from connection-service/src/main/js/mesh-client/src by assemble.mjs (linted there).
      'connection-service/src/main/resources/webroot/mesh-client.js',
      '**/target/**',
      'node_modules/**',
    ],
  },
  {
    files: ['connection-service/src/main/js/**/*.js', 'connection-service/src/main/js/**/*.mjs',
      'connection-service/src/test/js/**/*.mjs', 'connection-service/src/test/browser/**/*.mjs',
      'connection-service/src/test/server-api/**/*.mjs', 'eslint.config.js'],
    ...js.configs.recommended,
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
    rules: { ...js.configs.recommended.rules, ...bugCatchers },
  },
  {
    // Browser tests: the callbacks of page.evaluate / waitForFunction run in the page.
    files: ['connection-service/src/test/browser/**/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    // The client runs in browsers and Node: it touches its environment only through what resolveEnv() hands it, so
    // tests can fake time, sockets and storage. A direct global is a bug the fakes would not see.
    files: ['connection-service/src/main/js/mesh-client/src/**/*.js'],
    languageOptions: { globals: { globalThis: 'readonly', console: 'readonly', URLSearchParams: 'readonly' } },
    rules: {
      'no-shadow': 'error',
      'no-restricted-globals': ['error',
        ...['window', 'document', 'location', 'setTimeout', 'clearTimeout', 'setInterval', 'WebSocket', 'EventSource',
          'fetch', 'sessionStorage', 'localStorage', 'navigator', 'crypto'].map((name) => ({
          name, message: 'use the environment the client was given (resolveEnv in util.js), not the global',
        }))],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'use env.now() (injectable clock)' }],
    },
  },
];
