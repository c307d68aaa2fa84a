/**
 * The dependency rule (docs/architecture.md): documents and the language at the bottom, the
 * stages above them, the CLI on top. `npm test` runs this; a forbidden import fails the suite.
 *
 *   lang      → nothing of globe's            (the language: Spec, parsing, checks)
 *   schemas   → lang                          (the documents stages exchange: types, schemas, digests, the invariant)
 *   planner   → schemas, lang
 *   executor  → schemas, lang
 *   cli       → everything but bench and test
 *   bench     → everything but test
 */
const stage = (name, allowed) => ({
  name: `${name}-depends-only-on-${allowed.join('-') || 'itself'}`,
  comment: `${name}/ may import only from ${[name, ...allowed].join(', ')} (docs/architecture.md)`,
  severity: 'error',
  from: { path: `^${name}/` },
  to: { path: '^(schemas|lang|planner|executor|cli|bench|test|editors)/', pathNot: `^(${[name, ...allowed].join('|')})/` },
});

module.exports = {
  forbidden: [
    stage('lang', []),
    stage('schemas', ['lang']),
    stage('planner', ['schemas', 'lang']),
    stage('executor', ['schemas', 'lang']),
    stage('cli', ['schemas', 'lang', 'planner', 'executor']),
    stage('bench', ['schemas', 'lang', 'planner', 'executor', 'cli']),
    {
      name: 'no-cycles-between-files',
      comment: 'a cycle makes two files one idea in two places',
      severity: 'error',
      from: { path: '^(schemas|lang|planner|executor|cli)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] },
  },
};
