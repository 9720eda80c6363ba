/**
 * Cheap deterministic "real-ish" text: pseudo-words from a fixed seeded vocabulary, so prompts have
 * the shape of text (ASCII, 4 characters a token on average) without a corpus.
 */
import { createSeededRandom, type Random } from "../../../../src/core/random.js";

const letters = "etaoinshrdlcumwfgypbvkjxqz";
const vocabulary: string[] = (() => {
  const r = createSeededRandom(0x7e47);
  const words: string[] = [];
  for (let i = 0; i < 4096; i++) {
    const len = 2 + Math.floor(r.next() * r.next() * 9);
    let w = "";
    for (let j = 0; j < len; j++) w += letters[Math.floor(r.next() * r.next() * letters.length)];
    words.push(w);
  }
  return words;
})();

/** Exactly `chars` characters of pseudo-words drawn with `random`. */
export function pseudoText(random: Random, chars: number): string {
  const out: string[] = [];
  let n = 0;
  while (n < chars) {
    const w = vocabulary[Math.floor(random.next() * vocabulary.length)]!;
    out.push(w);
    n += w.length + 1;
  }
  return out.join(" ").slice(0, chars).padEnd(chars, ".");
}
