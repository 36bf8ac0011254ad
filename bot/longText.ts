// Messages longer than MAX_MESSAGE_LENGTH are read up to the limit: cut once, before anything reads them.

/** Set in the turn state when the incoming text was longer than MAX_MESSAGE_LENGTH and was cut. */
export const TEXT_WAS_CUT = Symbol('textWasCut');

/** Keeps an activity's text to its first `max` characters (code points); true when it was cut. */
export function cutLongText(activity: { text?: string }, max: number): boolean {
  const text = activity.text;
  // A string never has more characters than UTF-16 units: most messages need no splitting at all.
  if (typeof text !== 'string' || text.length <= max) return false;
  const characters = [...text];
  if (characters.length <= max) return false;
  activity.text = characters.slice(0, max).join('');
  return true;
}
