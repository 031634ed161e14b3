/**
 * The house rules for src/ (checked in CI by `npm run check:deps`): data flows one way through the
 * stages below, each a folder under src/; a file imports only from its own stage or an earlier one,
 * and there are no import cycles. A new folder must be placed in STAGES before it can be imported.
 */
const STAGES = [
  'manifest', 'corpora', 'audio', 'backends', 'run', 'scaleout', 'text', 'score', 'scoreimport', 'stats', 'analysis', 'adapt', 'report', 'cli',
];

const backward = STAGES.slice(0, -1).map((stage, i) => ({
  name: `no-backward-from-${stage}`,
  comment: `src/${stage} is earlier in the flow than ${STAGES.slice(i + 1).join(', ')}: it must not import them`,
  severity: 'error',
  from: { path: `^src/${stage}/` },
  to: { path: `^src/(${STAGES.slice(i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'import cycles make the flow unreadable and the load order fragile',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'stage-listed',
      comment: 'every folder under src/ is a stage listed in .dependency-cruiser.cjs STAGES',
      severity: 'error',
      from: { path: '^src/' , pathNot: `^src/(${STAGES.join('|')})/` },
      to: {},
    },
    ...backward,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.json$' },
  },
};
