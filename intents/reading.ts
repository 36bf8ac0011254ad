// Reading a message in its conversation: the classifier's intent plus what a person would hear in it —
// the part of the topic asked about (facet), a named topic the bot does not cover, an act (farewell,
// identity, complaint), negated requests ("상담사 말고"), several questions in one message, and short
// follow-ups understood against the topic just answered. The intent stays one of the fixed ids.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { projectPath } from './paths';
import type { Classification, IntentClassifier } from './classifier';
import { type Intent, isIntent } from './intentIds';
import { FACETS, type FacetTopic } from './facetIds';
import { type FacetExample, type FacetModel, OVERVIEW, loadFacetExamples, projectFacetModel } from './facetModel';
import { readMessage } from './features';
import { type OutOfScopeModel, projectOutOfScopeModel } from './outOfScopeModel';
import { compact, normalizeText } from './normalize';
import { asksSomething } from './questionForm';

export { FACETS, type FacetTopic } from './facetIds';
export const OUT_OF_SCOPE_TOPICS = ['settlement', 'fees', 'review', 'order', 'account', 'option', 'shipping', 'returns', 'product_edit', 'ads', 'tax'] as const;
export type OutOfScopeTopic = (typeof OUT_OF_SCOPE_TOPICS)[number];
export const ACTS = ['farewell', 'identity', 'complaint'] as const;
/** Acts read from cue words, and "해결 안 됐어요" (read from its form, not cues). */
export type Act = (typeof ACTS)[number] | 'unresolved';

const CHANNEL_FACETS = new Set(['phone', 'chat', 'email', 'inquiry']);

const cueList = z.strictObject({ ko: z.array(z.string().min(1)), en: z.array(z.string().min(1)) });
const facetCues = (topic: FacetTopic) => z.strictObject(Object.fromEntries(FACETS[topic].map((f) => [f, cueList])) as Record<string, typeof cueList>);
const cuesSchema = z.strictObject({
  about: z.string().optional(),
  facets: z.strictObject(Object.fromEntries((Object.keys(FACETS) as FacetTopic[]).map((t) => [t, facetCues(t)])) as Record<FacetTopic, ReturnType<typeof facetCues>>),
  outOfScope: z.strictObject(Object.fromEntries(OUT_OF_SCOPE_TOPICS.map((t) => [t, cueList])) as Record<OutOfScopeTopic, typeof cueList>),
  acts: z.strictObject(Object.fromEntries(ACTS.map((a) => [a, cueList])) as Record<Act, typeof cueList>),
});

export const CUES_FILE = projectPath('intents', 'cues.json');

/** A compiled cue list: Korean stems looked up in the spaceless text, English words as whole words (plural too). */
interface Matcher {
  ko: string[];
  en: RegExp | undefined;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function matcher(list: z.infer<typeof cueList>): Matcher {
  const en = list.en.map((w) => escape(w.toLowerCase()).replace(/ /g, '\\s+'));
  return { ko: list.ko.map((k) => compact(normalizeText(k))), en: en.length ? new RegExp(`(?:^|[^a-z0-9])(?:${en.join('|')})s?(?![a-z0-9])`) : undefined };
}

export interface Cues {
  facets: Record<FacetTopic, [string, Matcher][]>;
  outOfScope: [OutOfScopeTopic, Matcher][];
  acts: Record<Act, Matcher>;
}

export class CuesError extends Error {
  override name = 'CuesError';
}

export function loadCues(file = CUES_FILE): Cues {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CuesError(`${file}: ${(error as Error).message}`);
  }
  const parsed = cuesSchema.safeParse(raw);
  if (!parsed.success) throw new CuesError(parsed.error.issues.map((i) => `${file}: ${i.path.join('.')}: ${i.message}`).join('\n'));
  const data = parsed.data;
  return {
    facets: Object.fromEntries(
      (Object.keys(FACETS) as FacetTopic[]).map((t) => [t, FACETS[t].map((f) => [f, matcher((data.facets[t] as Record<string, z.infer<typeof cueList>>)[f])])]),
    ) as Cues['facets'],
    outOfScope: OUT_OF_SCOPE_TOPICS.map((t) => [t, matcher(data.outOfScope[t])]),
    acts: Object.fromEntries(ACTS.map((a) => [a, matcher(data.acts[a])])) as Cues['acts'],
  };
}

/** The message in the two forms cues are matched against. */
interface Text {
  spaced: string;
  spaceless: string;
}

function textOf(raw: string): Text {
  const spaced = normalizeText(raw);
  return { spaced, spaceless: compact(spaced) };
}

function matches(m: Matcher, text: Text): boolean {
  return m.ko.some((k) => k && text.spaceless.includes(k)) || (m.en !== undefined && m.en.test(text.spaced));
}

export interface Reading {
  intent: Intent;
  score: number;
  facet?: string;
  oosTopic?: OutOfScopeTopic;
  act?: Act;
  /** Two or three questions in one message, in the seller's order. */
  parts?: Reading[];
  /** Two in-scope intents close together, neither firm: worth asking which. */
  alternatives?: [Intent, Intent];
  /** Understood against the previous topic rather than on its own. */
  followUp?: boolean;
  /** Says nothing to act on ("상담사는 필요 없어요" alone): a nudge and the menu, never a miss. */
  nudge?: boolean;
}

export interface TopicContext {
  topic: Intent;
  facet?: string;
}

/** Topics a follow-up can refine, and that count as a question in a message of several. */
const QUESTION_TOPICS = new Set<Intent>(['delete_product', 'delete_problem', 'restore_product', 'customer_notice', 'prepare_info', 'contact_channels', 'wait_time', 'hours']);
/**
 * Traps near the domain: deleting something that is not a product (an option, a review, the account or
 * store) is not product deletion, and cancelling an order is not cancelling this chat. Other named
 * topics next to a deletion question ("재고 없는 상품 지우기", "복구하면 리뷰도 돌아오나요?") stay in scope.
 */
const TRAPS: Partial<Record<OutOfScopeTopic, ReadonlySet<Intent>>> = {
  option: new Set(['delete_product', 'delete_problem']),
  review: new Set(['delete_product', 'delete_problem']),
  account: new Set(['delete_product', 'delete_problem', 'cancel']),
  order: new Set(['cancel']),
};

/**
 * The same traps named in other words, by the learned model: there hiding or pausing a product
 * (product_edit) is a trap for deletion too, since its examples are about not deleting.
 */
const LEARNED_TRAPS: Partial<Record<OutOfScopeTopic, ReadonlySet<Intent>>> = {
  ...TRAPS,
  product_edit: new Set(['delete_product']),
};
/** How sure the learned model must be to overrule a doubtful in-scope intent. */
const OOS_TRAP_SURE = 0.65;

/** Below this a classifier intent is a guess that a clause of a longer message must not be split into. */
const PART_CONFIDENCE = 0.6;
/** A classifier answer this firm, on a message that is not elliptical, is a new topic context cannot override. */
const CLEAR_TOPIC = 0.9;
/** Ambiguity: best in-scope below this, runner-up at least RUNNER_UP. */
const AMBIGUOUS_BELOW = 0.6;
const RUNNER_UP = 0.1;
/** Messages up to this many letters (spaces aside) or words lean on the conversation for their meaning. */
const ELLIPTICAL_LETTERS = 12;
const ELLIPTICAL_WORDS = 4;
const MAX_PARTS = 3;
/** The facet model's confidence that names a facet, for a message on its own and for a follow-up. */
const FACET_SURE = 0.7;
const FOLLOW_UP_FACET_SURE = 0.75;
/** Sure enough of a facet to overrule a cue word naming another. */
const FACET_CERTAIN = 0.95;

/**
 * A facet whose own examples the classifier mostly reads as another topic (restore's "what to send" reads
 * as prepare_info) is that topic's neighbour: a message of the other topic may belong to the facet.
 */
const NEIGHBOUR_SHARE = 0.4;
/** How clearly the facet model must place a message in a neighbour's facet, with no context and after it. */
const NEIGHBOUR_OTHER_TOPIC = 0.2;
const NEIGHBOUR_COVERAGE = 0.6;
/** Longer than this, a neighbour topic's question is asked for its own sake, not of the topic just answered. */
const NEIGHBOUR_FOLLOW_UP_WORDS = 10;

/** The out-of-scope model's confidence, and the share of the message it must know, to name a topic. */
const OOS_SURE = 0.6;
const OOS_COVERAGE = 0.5;

/** Longer messages that mention who the bot is are about something else too. */
const IDENTITY_MAX_WORDS = 8;

const ANAPHOR = /^(그럼|그러면|그건|그거|그게|거기|그때|그리고|근데|and|what about|how about|then|so)\b|(?:^|\s)(that|it|those|them|they|this)(?:\s|$|\?)/;
/** A short message of this many words or more has a predicate of its own: a firm other topic is a new question. */
const SELF_CONTAINED_WORDS = 4;
const SELF_CONTAINED_WITH_ANAPHOR = 8;
/** Three words are whole when the classifier has no doubt at all ("전화 대기 길어요?"). */
const SELF_CONTAINED_SHORT_WORDS = 3;
const UNDOUBTED = 0.98;
/** Up to this many words, a wait or contact question without a channel of its own is about the channel just discussed. */
const CHANNEL_CARRY_WORDS = 6;
/** "상담원이랑 통화하려면…": the agent here is who the seller talks with, not a question of its own. */
const AGENT_COMPANION = /(상담사|상담원|직원|사람)\s?님?\s?(?:이랑|랑|하고|과|와)\s+/g;
const LEADING_CONJUNCTION = /^(그리고|또|근데|그럼|아|and|also|plus|then)\s+/;
/** Clause boundaries: sentence ends, commas, "그리고"/"and", and Korean "A랑/이랑/하고 B". */
// A run of spaces is tried from its first space only ((?<!\s)), so a long run costs one pass, not one per space.
// A full stop ends a sentence unless it sits in a number ("1.5") or a word ("naver.com"); a run of dots is tried from its first.
// "…알려 주시고 상담사도 연결해 주세요": a request ending in -시고/-주고 hands over to the next one.
const CLAUSE_BREAK = /[?？!]+\s*|[,，;]\s*|(?<![.。\d\s])[.。]+\s+|(?<!\s)\s+(?:그리고|and)\s+|(?<=[가-힣])(?:이랑|랑)\s+|(?<!\s)\s+하고\s+|(?<=[가-힣](?:시|주)고)\s+(?!나서|나면|나니|난\s|있|싶)/;
/**
 * Where a second question may start with nothing to mark it: after a Korean word that ends a sentence
 * ("…상담하나요 전화는…", "…알려주세요 삭제하면…"; not "…했는데요", which leads into what follows), or
 * before an English question word that is not the message's first words ("…at once do buyers…").
 */
const KO_SENTENCE_END = /(?:요|죠|까|냐|니|나|줘|래)[.~!]*$/;
const KO_LEADS_ON = /(?:는데|은데|인데|서|고|니까|거든|지만|면)요[.~!]*$/;
// Not when/where/who or is/are: mid-sentence they mostly belong to a clause of the same question ("notified when a product is deleted").
const EN_QUESTION_WORD = /^(?:do|does|can|will|how|what|why)$/;
/** "while I wait, …", "기다리는 동안, …": a clause that frames the question rather than asking one. */
// "when I delete one," frames; "when are you open" asks.
const EN_FRAME = /^(?:while|when|since|until|before|after|once)\s(?!(?:is|are|was|do|does|can|will|should|would|could)\b)[^?]*$/;
const KO_FRAME = /(?:동안에?|면서|는데|은데|인데|니까|다가)$/;
/** "how long | do I have…" is one question: an English first clause needs a few words of its own. */
const EN_FIRST_CLAUSE_WORDS = 3;
/** Unmarked boundaries tried per message: each costs two classifications. */
const MAX_UNMARKED_SPLITS = 2;

// "X 말고 Y", "X는 됐고 Y", "no need for X, Y": X is what the seller does not want.
// The text is normalised (one space at most), so \s? where \s* would retry every lazy start over a long run.
const KO_NEGATION = /^(.{0,40}?)(?:말고|말구|(?:은|는|도)?\s?됐(?:고|구)요?|(?:은|는)?\s?필요\s?없(?:고|구|어요|습니다)|(?:은|는)?\s?안\s?해도\s?(?:되고|돼요))[\s,.]*(.*)$/s;
/** "that didn't help" read as a greeting or as nothing is still "not solved" when it says no more. */
const UNRESOLVED_MAX_WORDS = 6;
const UNRESOLVED =
  /해결\s?(?:이\s?)?(?:안|못)|안\s?(?:됐|되었)|도움이?\s?(?:안|못)|(?:여전히|그래도|아직도?)\s?안\s?(?:돼|되)|not (?:solved|resolved|fixed|helpful)|not what i asked|didn'?t (?:work|help|answer)|did not (?:work|help|answer)|doesn'?t (?:work|help|answer)|still (?:not|doesn'?t|does not|can'?t|cannot)/;
const KO_AGENT_DECLINED = /^(.{0,40}?)(?:은|는|도)?\s?(?:됐어요|됐습니다|괜찮(?:아요|고요|습니다)|필요\s?없는데요)[\s,.]*(.*)$/s;
const EN_NEGATION =
  /^(.{0,60}?)\b(?:no need (?:for|of)|(?:i )?(?:don'?t|do not) need|not)\s+(?:an?\s+|to (?:talk|speak) to\s+(?:an?\s+)?)?(agent|human|person|representative|operator|bot|robot|machine)s?\b[\s,.;]*(.*)$/s;
const AGENT_WORDS = /상담사|상담원|사람|직원|연결|agent|human|person|representative|operator/;
const BOT_WORDS = /봇|챗봇|로봇|기계|자동응답|\bbot\b|robot|machine/;

interface Negation {
  /** What is left to read once the negated part is set aside. */
  rest: string;
  negatedAgent: boolean;
  /** "봇 말고 사람", "a person, not a bot": the seller asks for a person. */
  wantsPerson: boolean;
}

function readNegation(text: string): Negation | undefined {
  const normalized = normalizeText(text);
  const ko = KO_NEGATION.exec(normalized);
  if (ko && ko[1].trim()) {
    const negated = ko[1];
    const rest = ko[2].trim();
    if (BOT_WORDS.test(negated)) return { rest, negatedAgent: false, wantsPerson: true };
    return { rest, negatedAgent: AGENT_WORDS.test(negated), wantsPerson: false };
  }
  // "사람 연결은 됐어요", "상담원은 괜찮아요": declining, but only of an agent ("해결 됐어요" thanks).
  const declined = KO_AGENT_DECLINED.exec(normalized);
  // "연결이 안 됐어요" is a complaint that it did not happen, not a decline.
  if (declined && AGENT_WORDS.test(declined[1]) && !/(?:안|못)\s*$/.test(declined[1])) return { rest: declined[2].trim(), negatedAgent: true, wantsPerson: false };
  const en = EN_NEGATION.exec(normalized);
  if (en) {
    const [, before, negated, after] = en;
    const rest = `${before} ${after}`.replace(/^[\s,.;]+|[\s,.;]+$/g, '');
    if (BOT_WORDS.test(negated)) return { rest, negatedAgent: false, wantsPerson: AGENT_WORDS.test(rest) };
    return { rest, negatedAgent: true, wantsPerson: false };
  }
  return undefined;
}

function isElliptical(text: Text): boolean {
  const words = text.spaced.split(' ').length;
  return text.spaceless.length <= ELLIPTICAL_LETTERS || (/^[\x00-\x7f]*$/.test(text.spaced) && words <= ELLIPTICAL_WORDS) || ANAPHOR.test(text.spaced);
}

export class MessageReader {
  private neighbourFacets: Map<Intent, [FacetTopic, string][]> | undefined;

  constructor(
    private readonly classifier: Pick<IntentClassifier, 'classify'>,
    private readonly cues: Cues = loadCues(),
    private readonly facets: FacetModel = projectFacetModel(),
    private readonly facetExamples: () => FacetExample[] = loadFacetExamples,
    private readonly outOfScope: OutOfScopeModel = projectOutOfScopeModel(OUT_OF_SCOPE_TOPICS),
  ) {}

  /** Facets of other topics that the classifier reads as `intent` (worked out once, from the labelled examples). */
  private neighboursOf(intent: Intent): [FacetTopic, string][] {
    if (!this.neighbourFacets) {
      const read = new Map<string, Map<Intent, number>>();
      for (const e of this.facetExamples()) {
        if (e.facet === OVERVIEW) continue;
        const key = `${e.topic}.${e.facet}`;
        const counts = read.get(key) ?? new Map<Intent, number>();
        const { intent: as } = this.classifier.classify(e.text);
        counts.set(as, (counts.get(as) ?? 0) + 1);
        read.set(key, counts);
      }
      this.neighbourFacets = new Map();
      for (const [key, counts] of read) {
        const [topic, facet] = key.split('.') as [FacetTopic, string];
        const total = [...counts.values()].reduce((a, b) => a + b, 0);
        for (const [as, n] of counts) {
          // "none" too: a facet the classifier often misses ("do I lose my sales history?") is found through its topic.
          if (as === topic || !(QUESTION_TOPICS.has(as) || as === 'none') || n / total < NEIGHBOUR_SHARE) continue;
          this.neighbourFacets.set(as, [...(this.neighbourFacets.get(as) ?? []), [topic, facet]]);
        }
      }
    }
    return this.neighbourFacets.get(intent) ?? [];
  }

  /**
   * The neighbour facet a message of `intent` is about: "복구 요청하려면 어떤 정보가 필요해요" names the
   * restore, so it is restore's "what to send", not the general checklist. With `topic` (the topic
   * just answered), a message that only fits there as a facet stays there ("뭘 준비하면 돼요" after a restore answer).
   */
  private neighbourFacet(intent: Intent, text: Text, topic?: Intent): [FacetTopic, string] | undefined {
    for (const [neighbour, facet] of this.neighboursOf(intent)) {
      if (topic !== undefined && neighbour !== topic) continue;
      const guess = this.facets.guess(neighbour, readMessage(text.spaced));
      // Mashing ("qwerasdf") shares a letter pair or two with the examples: the model must know most of the message.
      if (!guess || guess.facet !== facet || guess.coverage < NEIGHBOUR_COVERAGE) continue;
      if (topic !== undefined ? guess.score >= FOLLOW_UP_FACET_SURE : guess.score >= FACET_SURE && guess.otherTopic <= NEIGHBOUR_OTHER_TOPIC) return [neighbour, facet];
    }
    return undefined;
  }

  /**
   * The facet of `topic` a message asks about: the learned model's when it is sure, else a cue word's
   * (the cues catch rare words the examples do not have yet).
   * A follow-up (`sure` raised) must be surer: a short message says little, and the topic is only context.
   */
  facetOf(topic: Intent, raw: string | Text, sure = FACET_SURE): string | undefined {
    const cues = this.cues.facets[topic as FacetTopic];
    if (!cues) return undefined;
    const text = typeof raw === 'string' ? textOf(raw) : raw;
    const guess = this.facets.guess(topic as FacetTopic, readMessage(text.spaced));
    const cue = this.cueFacet(topic, text);
    // A word that names a facet ("deadline") outweighs a model that is only fairly sure of another.
    if (guess && guess.facet !== OVERVIEW && guess.score >= sure && (!cue || cue === guess.facet || guess.score >= FACET_CERTAIN)) return guess.facet;
    return cue;
  }

  /**
   * The facet a cue word names. What picks between two close topics: the model only knows which part of
   * a topic a message is about once the topic is known, not whether the message is about that topic.
   */
  private cueFacet(topic: Intent, text: Text): string | undefined {
    return this.cues.facets[topic as FacetTopic]?.find(([, m]) => matches(m, text))?.[0];
  }

  /**
   * A named topic the bot does not cover: a cue word's, else, for a message that is "none" anyway, the
   * learned model's when it is sure and knows most of the message.
   */
  private outOfScopeTopic(text: Text, intent: Intent): OutOfScopeTopic | undefined {
    return this.cueOutOfScopeTopic(text) ?? (intent === 'none' ? this.learnedOutOfScopeTopic(text) : undefined);
  }

  private learnedOutOfScopeTopic(text: Text, sure = OOS_SURE): OutOfScopeTopic | undefined {
    const guess = this.outOfScope.guess(text.spaced);
    return guess && guess.score >= sure && guess.coverage >= OOS_COVERAGE ? (guess.topic as OutOfScopeTopic) : undefined;
  }

  private cueOutOfScopeTopic(text: Text): OutOfScopeTopic | undefined {
    return this.cues.outOfScope.find(([, m]) => matches(m, text))?.[0];
  }

  private act(text: Text): Act | undefined {
    return ACTS.find((a) => matches(this.cues.acts[a], text));
  }

  read(raw: string, previous?: TopicContext): Reading {
    const negation = readNegation(raw);
    if (negation?.wantsPerson) return { intent: 'agent', score: 1 };
    const source = this.withoutFrame(negation ? negation.rest : raw);
    const text = textOf(source);
    if (negation && !text.spaceless) return { intent: 'none', score: 1, nudge: true };
    const classification = this.classifier.classify(source);
    const reading = this.readOne(text, classification, previous);
    // "상담사는 됐고" never asks for an agent, whatever else the rest says.
    if (negation?.negatedAgent && reading.intent === 'agent') return { intent: 'none', score: reading.score };
    if (reading.act || reading.intent === 'cancel') return reading;
    const parts = this.parts(source);
    if (parts) {
      // "상담원이랑 통화하려면 어디로 전화해요?" asks how to reach one: a firm topic is not an agent request.
      const firmTopic = QUESTION_TOPICS.has(reading.intent) && reading.score >= CLEAR_TOPIC;
      const questions = parts.filter((p) => p.intent !== 'agent');
      // "운영시간이랑 상담사 연결해 주세요": the question is answered, then the agent.
      if (parts.length > questions.length && !firmTopic) return { intent: 'agent', score: 1, parts: [...questions, { intent: 'agent', score: 1 }] };
      if (questions.length >= 2 && reading.intent !== 'agent') return { ...questions[0], parts: questions };
    }
    return reading;
  }

  private readOne(text: Text, classification: Classification, previous?: TopicContext): Reading {
    const { intent, score, ranking } = classification;
    // "해결 안 됐어요", "that didn't help": the opposite of thanks. After deleting, the deletion failed.
    const afterDeleting = previous?.topic === 'delete_product' || previous?.topic === 'delete_problem';
    // A guess at a failed deletion ("그래도 안 돼요") after another topic is that topic not solved.
    const weakly = intent === 'none' || intent === 'greeting' || (intent === 'delete_problem' && score < CLEAR_TOPIC && previous !== undefined && !afterDeleting);
    const unresolved =
      UNRESOLVED.test(text.spaced) && (intent === 'thanks' || (weakly && text.spaced.split(' ').length <= UNRESOLVED_MAX_WORDS && !this.outOfScopeTopic(text, 'none')));
    if (unresolved) {
      return afterDeleting ? { intent: 'delete_problem', score } : { intent: 'none', score, act: 'unresolved' };
    }
    const act = this.act(text);
    if (act === 'complaint' && (intent === 'wait_time' || intent === 'contact_channels' || intent === 'none' || intent === 'agent')) return { intent, score, act };
    if (act === 'farewell' && (intent === 'greeting' || intent === 'thanks' || intent === 'none' || intent === 'cancel')) return { intent, score, act };
    // "who am I talking to" names no topic whatever words it shares with one ("wait").
    if (act === 'identity' && text.spaced.split(' ').length <= IDENTITY_MAX_WORDS) return { intent: intent === 'agent' ? 'none' : intent, score, act };

    // A named topic's own word first; the learned guess only once the topic just answered has had its say ("until when?").
    const oos = this.cueOutOfScopeTopic(text);
    if (oos && (intent === 'none' || TRAPS[oos]?.has(intent))) return { intent: 'none', score, oosTopic: oos };
    // A doubtful deletion that the examples say is a trap in other words ("색상 하나만 지우고 싶은데", "pause my listing").
    if (!oos && score < CLEAR_TOPIC && intent !== 'none') {
      const trap = this.learnedOutOfScopeTopic(text, OOS_TRAP_SURE);
      if (trap && LEARNED_TRAPS[trap]?.has(intent)) return { intent: 'none', score, oosTopic: trap };
    }

    const followUp = this.followUp(text, intent, score, previous);
    if (followUp) return followUp;
    const neighbour = intent === 'none' || QUESTION_TOPICS.has(intent) ? this.neighbourFacet(intent, text) : undefined;
    if (neighbour) return { intent: neighbour[0], score, facet: neighbour[1] };
    const learned = intent === 'none' ? this.learnedOutOfScopeTopic(text) : undefined;
    if (learned) return { intent: 'none', score, oosTopic: learned };
    if (intent === 'none' || !QUESTION_TOPICS.has(intent)) return { intent, score };

    const reading: Reading = { intent, score };
    const facet = score >= AMBIGUOUS_BELOW ? this.facetOf(intent, text) : this.cueFacet(intent, text);
    if (facet) reading.facet = facet;
    const runnerUp = ranking.find((r) => r.intent !== intent && r.intent !== 'none');
    if (score < AMBIGUOUS_BELOW && runnerUp && runnerUp.score >= RUNNER_UP && QUESTION_TOPICS.has(runnerUp.intent) && !facet) {
      // Of close candidates, one whose facet the message names is the one meant.
      for (const candidate of ranking) {
        if (candidate.score < RUNNER_UP) break;
        const candidateFacet = QUESTION_TOPICS.has(candidate.intent) ? this.cueFacet(candidate.intent, text) : undefined;
        if (candidateFacet) return { intent: candidate.intent, score: candidate.score, facet: candidateFacet };
      }
      reading.alternatives = [intent, runnerUp.intent];
    }
    return reading;
  }

  /** A short or elliptical message read as a part of the topic just answered. */
  private followUp(text: Text, intent: Intent, score: number, previous?: TopicContext): Reading | undefined {
    if (!previous || !QUESTION_TOPICS.has(previous.topic) || intent === 'agent' || intent === 'cancel' || intent === 'thanks') return undefined;
    // "menu", "안녕하세요": a firm greeting or request for the menu is no part of the topic before.
    if (intent === 'greeting' && score >= CLEAR_TOPIC) return undefined;
    // "how long does that take?", "how long for a reply" after the e-mail channel: a short question that
    // names no channel is about the one just discussed, between channels and waits.
    if (
      (intent === 'wait_time' || intent === 'contact_channels') &&
      previous.facet &&
      CHANNEL_FACETS.has(previous.facet) &&
      (ANAPHOR.test(text.spaced) || text.spaced.split(' ').length <= CHANNEL_CARRY_WORDS) &&
      !this.facetOf(intent, text)
    ) {
      return { intent, score, facet: previous.facet, followUp: true };
    }
    const elliptical = isElliptical(text);
    // "메일은 답장 오래 걸려요?" is short but whole, as is "and is there a time limit to restore one?";
    // "전화는요?" and "그건 언제까지 해야 돼요?" lean on what came before.
    const words = text.spaced.split(' ').length;
    const anaphor = ANAPHOR.test(text.spaced);
    const selfContained =
      !elliptical || words >= (anaphor ? SELF_CONTAINED_WITH_ANAPHOR : SELF_CONTAINED_WORDS) || (!anaphor && words >= SELF_CONTAINED_SHORT_WORDS && score >= UNDOUBTED);
    // A long message needs less certainty to be its own question than a short one.
    const firm = score >= CLEAR_TOPIC || (words >= SELF_CONTAINED_WITH_ANAPHOR && score >= AMBIGUOUS_BELOW);
    const clearNewTopic = QUESTION_TOPICS.has(intent) && intent !== previous.topic && firm && selfContained;
    if (clearNewTopic) {
      // "what should I send?" after a restore answer: the neighbour topic's question, asked of this one.
      if (words > NEIGHBOUR_FOLLOW_UP_WORDS) return undefined;
      const stays = this.neighbourFacet(intent, text, previous.topic);
      return stays && { intent: stays[0], score, facet: stays[1], followUp: true };
    }
    const facet = this.facetOf(previous.topic, text, FOLLOW_UP_FACET_SURE);
    if (facet && (elliptical || intent === previous.topic || intent === 'none' || score < CLEAR_TOPIC)) {
      return { intent: previous.topic, score: Math.max(score, 0.5), facet, followUp: true };
    }
    return undefined;
  }

  /** The one question left once framing clauses ("while I wait,") are set aside; the message itself otherwise. */
  private withoutFrame(raw: string): string {
    const clauses = clausesOf(normalizeText(raw));
    const asked = clauses.filter((c) => !isFrame(c));
    return clauses.length >= 2 && asked.length === 1 && asksSomething(asked[0]) ? asked[0] : raw;
  }

  /** Two or three questions, each a clear in-scope topic; undefined for one question. */
  private parts(raw: string): Reading[] | undefined {
    // Spaces are collapsed first, so the breaks' \s+ never backtracks over a long run of them.
    const normalized = normalizeText(raw).replace(AGENT_COMPANION, '$1 ');
    const clauses = clausesOf(normalized).filter((c) => !isFrame(c));
    return (clauses.length >= 2 ? this.readClauses(clauses) : undefined) ?? this.unmarkedParts(normalized);
  }

  /** "주말에도 상담하나요 전화 대기는 얼마나 돼요": a question, then another, with no mark between. */
  private unmarkedParts(normalized: string): Reading[] | undefined {
    const words = normalized.split(' ');
    if (words.length < 4) return undefined;
    let tried = 0;
    for (let i = 1; i < words.length - 1 && tried < MAX_UNMARKED_SPLITS; i++) {
      const koEnd = KO_SENTENCE_END.test(words[i - 1]) && !KO_LEADS_ON.test(words[i - 1]);
      const enStart = i >= EN_FIRST_CLAUSE_WORDS && EN_QUESTION_WORD.test(words[i]) && !EN_QUESTION_WORD.test(words[i - 1]);
      if (!koEnd && !enStart) continue;
      const first = words.slice(0, i).join(' ');
      // Only a first clause that asks something can be a question of its own.
      if (!asksSomething(first)) continue;
      tried++;
      const parts = this.readClauses([first, words.slice(i).join(' ')], true);
      if (parts?.every((p) => p.intent !== 'agent')) return parts;
    }
    return undefined;
  }

  /** `firmOnly`: with nothing marking the break, a weak clause is no question of its own whatever facet it names. */
  private readClauses(clauses: string[], firmOnly = false): Reading[] | undefined {
    const parts: Reading[] = [];
    for (const clause of clauses) {
      const text = textOf(clause);
      const classification = this.classifier.classify(clause);
      if (classification.intent === 'agent' && classification.score >= PART_CONFIDENCE) {
        parts.push({ intent: 'agent', score: classification.score });
        continue;
      }
      // Each question is read on its own: the clause before it is no context ("…, and can buyers find it?").
      const reading = this.readOne(text, classification);
      // A weak clause counts for the facet it names, unless it is one word ("고객센터랑 연락할 방법"): that names a thing, not a question.
      const namesFacet = !firmOnly && reading.facet !== undefined && clause.includes(' ');
      if (!QUESTION_TOPICS.has(reading.intent) || (reading.score < PART_CONFIDENCE && !reading.followUp && !namesFacet)) continue;
      const { alternatives: _, ...part } = reading;
      const key = `${part.intent}.${part.facet ?? ''}`;
      if (!parts.some((p) => `${p.intent}.${p.facet ?? ''}` === key)) parts.push(part);
    }
    return parts.length >= 2 ? parts.slice(0, MAX_PARTS) : undefined;
  }
}

function clausesOf(normalized: string): string[] {
  if (!CLAUSE_BREAK.test(normalized)) return [];
  return normalized
    .split(new RegExp(CLAUSE_BREAK.source, 'g'))
    .map((c) => (c ?? '').replace(LEADING_CONJUNCTION, '').trim())
    .filter((c) => compact(c).length > 1);
}

function isFrame(clause: string): boolean {
  return EN_FRAME.test(clause) || (KO_FRAME.test(clause) && !asksSomething(clause));
}

export function isFacet(topic: Intent, facet: string): boolean {
  return isIntent(topic) && ((FACETS as Record<string, readonly string[]>)[topic]?.includes(facet) ?? false);
}
