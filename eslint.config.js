// One linter: neostandard (the style of fastify, undici and pino) with its TypeScript rules.
import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', '.bench/**', '.tap/**', '.tools/**', 'coverage/**'] }),
  {
    rules: {
      // The code keeps short object literals on one line, also when they are long; line breaks stay the writer's call.
      '@stylistic/object-property-newline': 'off',
      '@stylistic/object-curly-newline': 'off',
      '@stylistic/multiline-ternary': 'off',
      // `void promise` marks a deliberate fire-and-forget call whose errors are handled inside.
      'no-void': ['error', { allowAsStatement: true }],
      // `${ENV}` in strings is the config file's own syntax, written on purpose in tests and docs.
      'no-template-curly-in-string': 'off',
    },
  },
]
