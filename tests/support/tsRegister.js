// Lets a child `node` process run the bot straight from the TypeScript sources (the SIGKILL test), the
// way ts-jest does for the tests: each .ts file is transpiled in memory, types are checked by `tsc` anyway.
'use strict';
const { readFileSync } = require('node:fs');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  resolveJsonModule: true,
  inlineSourceMap: true,
};

function compile(module, filename) {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
}

// '.ts' must come first: `import './lexicon'` means lexicon.ts even when a lexicon.json sits beside it.
const extensions = require.extensions;
const others = { ...extensions };
for (const ext of Object.keys(extensions)) delete extensions[ext];
extensions['.ts'] = compile;
Object.assign(extensions, others);
