// Loads and checks every answer the bot gives (knowledge/*.json), and renders them with values.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { projectPath } from '../intents/paths';
import {
  CHANNEL_IDS,
  type CannedReply,
  type FacetTexts,
  facetsSchema,
  outOfScopeSchema,
  type Channel,
  type ChannelId,
  type Language,
  type LocalizedText,
  type MenuEntry,
  PROBLEM_IDS,
  type Problem,
  RESPONSE_KEYS,
  RESPONSE_PLACEHOLDERS,
  type ResponseKey,
  cannedSchema,
  channelsSchema,
  menuSchema,
  problemsSchema,
  responsesSchema,
} from './schema';

export * from './schema';

export const KNOWLEDGE_DIR = projectPath('knowledge');

export class KnowledgeError extends Error {
  override name = 'KnowledgeError';
}

export type TemplateValues = Record<string, string | number>;

export interface Knowledge {
  text(key: ResponseKey, language: Language, values?: TemplateValues): string;
  readonly menu: MenuEntry[];
  readonly problems: Problem[];
  readonly channels: Channel[];
  readonly canned: CannedReply[];
  readonly facets: FacetTexts;
  /** Names of the seller-center topics the bot does not cover, by id. */
  readonly outOfScope: Record<string, LocalizedText>;
}

function load<T extends z.ZodType>(dir: string, name: string, schema: T): z.infer<T> {
  const file = join(dir, name);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new KnowledgeError(`${file}: ${(error as Error).message}`);
  }
  // "missing" says more to whoever edits the file than zod's "expected object, received undefined".
  const parsed = schema.safeParse(raw, { error: (issue) => (issue.input === undefined ? 'missing' : undefined) });
  if (!parsed.success) {
    throw new KnowledgeError(parsed.error.issues.map((i) => `${file}: ${i.path.join('.') || '(file)'}: ${i.message}`).join('\n'));
  }
  return parsed.data;
}

function placeholdersIn(text: string): string[] {
  return [...text.matchAll(/\{(\w*)\}/g)].map((m) => m[1]);
}

/** Keys are checked by responsesSchema; placeholders only here. */
function checkResponses(file: string, responses: Record<ResponseKey, LocalizedText>): void {
  const problems: string[] = [];
  for (const key of RESPONSE_KEYS) {
    const allowed: readonly string[] = RESPONSE_PLACEHOLDERS[key];
    for (const language of ['ko', 'en'] as const) {
      for (const name of placeholdersIn(responses[key][language])) {
        if (!allowed.includes(name)) problems.push(`"${key}".${language} uses {${name}}; allowed: ${allowed.map((a) => `{${a}}`).join(' ') || 'none'}`);
      }
    }
  }
  if (problems.length) throw new KnowledgeError(problems.map((p) => `${file}: ${p}`).join('\n'));
}

function checkCovers<T extends string>(file: string, what: string, ids: readonly T[], present: T[]): void {
  const missing = ids.filter((id) => !present.includes(id));
  const repeated = present.filter((id, i) => present.indexOf(id) !== i);
  if (missing.length) throw new KnowledgeError(`${file}: missing ${what}: ${missing.join(', ')}`);
  if (repeated.length) throw new KnowledgeError(`${file}: ${what} listed twice: ${repeated.join(', ')}`);
}

export function render(template: string, values: TemplateValues = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

export function loadKnowledge(dir = KNOWLEDGE_DIR): Knowledge {
  const responses = load(dir, 'responses.json', responsesSchema);
  checkResponses(join(dir, 'responses.json'), responses);
  const menu = load(dir, 'menu.json', menuSchema);
  const problems = load(dir, 'problems.json', problemsSchema);
  checkCovers(join(dir, 'problems.json'), 'problem ids', PROBLEM_IDS, problems.map((p) => p.id));
  const channels = load(dir, 'channels.json', channelsSchema);
  checkCovers<ChannelId>(join(dir, 'channels.json'), 'channel ids', CHANNEL_IDS, channels.map((c) => c.id));
  const canned = load(dir, 'canned.json', cannedSchema);
  const facets = load(dir, 'facets.json', facetsSchema);
  const outOfScope = load(dir, 'outOfScope.json', outOfScopeSchema);
  return {
    facets,
    outOfScope,
    text: (key, language, values) => render(responses[key][language], values),
    menu,
    problems,
    channels,
    canned,
  };
}
