// The folders depend one way: bot → dialogs → knowledge → intents. A lower folder importing a higher one
// ties the answers or the classifier to the server, and a cycle between folders makes either hard to
// test or reuse on its own (ARCHITECTURE.md has the table this test enforces).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** What each source folder may import from the project's other folders. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  intents: [],
  knowledge: ['intents'],
  dialogs: ['intents', 'knowledge'],
  bot: ['dialogs', 'intents', 'knowledge'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'public' ? [] : sourceFiles(path);
    return /\.(ts|js)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative specifiers of static imports, re-exports, dynamic imports and requires. */
function relativeImports(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"\n]{1,300})['"]/gm;
  for (const match of source.matchAll(pattern)) specifiers.push(match[1]);
  return specifiers;
}

function topFolder(path: string): string {
  return relative(ROOT, path).split(sep)[0];
}

function violations(): string[] {
  const found: string[] = [];
  for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
    for (const file of sourceFiles(join(ROOT, folder))) {
      for (const specifier of relativeImports(readFileSync(file, 'utf8'))) {
        const target = topFolder(resolve(dirname(file), specifier));
        if (target !== folder && !allowed.includes(target)) {
          found.push(`${relative(ROOT, file)} imports ${specifier} (${folder}/ may import ${allowed.join(', ') || 'nothing of ours'})`);
        }
      }
    }
  }
  return found;
}

describe('import direction between folders', () => {
  it('bot → dialogs → knowledge → intents, never back', () => {
    expect(violations()).toEqual([]);
  });

  it('the scan sees the imports it judges (a folder that imports a lower one is found)', () => {
    const dialogsToKnowledge = sourceFiles(join(ROOT, 'dialogs')).some((file) =>
      relativeImports(readFileSync(file, 'utf8')).some((s) => topFolder(resolve(dirname(file), s)) === 'knowledge'),
    );
    expect(dialogsToKnowledge).toBe(true);
    expect(relativeImports("import { x } from '../bot/paths';\nconst y = require('../bot/config');")).toEqual(['../bot/paths', '../bot/config']);
  });
});
