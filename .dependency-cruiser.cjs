// The layer rule of DESIGN.md: a src/ folder imports only folders below it in this list.
const LAYERS = ['cli', 'keras', 'api', 'trace', 'runtime', 'codegen', 'passes', 'ir'];

const layerRules = LAYERS.slice(1).map((layer, i) => ({
  name: `no-upward-import-from-${layer}`,
  comment: `src/${layer}/ may import only the folders below it: ${LAYERS.slice(i + 2).join(', ') || 'none'}`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^src/(${LAYERS.slice(0, i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular-between-folders',
      severity: 'warn',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/', pathNot: '^src/$1/', circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^test/|\\.test\\.ts$)' },
  },
};
