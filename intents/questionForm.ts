// Whether a message asks for something (a question, or a request to be told: "알려 주세요", "tell me")
// rather than telling it: read on the message's ends only, so a long message costs no more than a short one.
import { normalizeText } from './normalize';

const QUESTION_END = /[?？]\s*$|(언제|얼마|어떻게|어디|무엇|뭐|몇|왜|되나요|있나요|인가요|나요|까요|가요|는지요|돼요\??|되요\??|되나|있나|없나|하나|인가|건가|될까|할까|되니|있니|하니)\s*[.!~]*$/;
// A question word early in a short final sentence ("몇 번째예요", "얼마나 걸려요", "뭐 하면 돼요"): a question without a mark.
const ASKED_WITH_WORD = /(?:^|[\s.!,])(?:언제|얼마|어떻게|어디|무엇|뭐|뭘|몇|왜|무슨|어느|어떤)[^.?!,]{0,14}(?:요|까|나|니|냐|죠|야)\s*[.!~]*$/;
// "…알려 주세요", "설명해 줘요", "궁금해요", "알고 싶어요": asked as a request, answered like a question.
const REQUEST_END = /(알려|가르쳐|설명해|안내해|말해|궁금|알고\s?싶)\s?[가-힣]{0,6}\s*[.!~]*$/;
const QUESTION_START = /^(?:please\s+)?(how|what|when|where|which|who|why|can|could|do|does|is|are|will|should|tell me|explain|let me know|i(?:'d| would| want to| need to)? (?:like to )?know)\b/;
const END_LENGTH = 24;
// "…, just tell me about bulk delete": an English request can sit anywhere in the sentence.
const REQUEST_ANYWHERE = /\b(?:tell me|explain|let me know)\b/;

export function asksSomething(text: string): boolean {
  const normalized = normalizeText(text.trim());
  const end = normalized.slice(-END_LENGTH);
  return QUESTION_END.test(end) || ASKED_WITH_WORD.test(end) || REQUEST_END.test(end) || QUESTION_START.test(normalized.slice(0, END_LENGTH)) || REQUEST_ANYWHERE.test(normalized);
}
