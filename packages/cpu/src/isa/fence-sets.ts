// The four bits of a fence predecessor/successor set, most significant first.
const LETTERS = 'iorw';

/** A fence set as assembly text: a subset of "iorw" in that order, or "0" when empty. */
export function fenceSetText(set: number): string {
  let text = '';
  for (let k = 0; k < 4; k++) if (set & (8 >> k)) text += LETTERS[k];
  return text === '' ? '0' : text;
}

/** Parses a fence set ("rw", "iorw", "0"); undefined when the text is not one. */
export function parseFenceSet(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === '0') return 0;
  let set = 0;
  let last = -1;
  for (const ch of t) {
    const k = LETTERS.indexOf(ch);
    if (k <= last) return undefined; // unknown letter, repeated, or out of iorw order
    set |= 8 >> k;
    last = k;
  }
  return t === '' ? undefined : set;
}
