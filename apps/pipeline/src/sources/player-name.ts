// Letters that NFD does not split into a base letter and a mark.
const unsplittable: Readonly<Record<string, string>> = {
  ø: 'o',
  đ: 'd',
  ł: 'l',
  ħ: 'h',
  ı: 'i',
  æ: 'ae',
  œ: 'oe',
  ß: 'ss',
  þ: 'th',
};

const suffixes = new Set(['jr', 'sr', 'ii', 'iii', 'iv', 'v']);

/**
 * A player's name reduced to a key for joining names across sources: lower case, accents
 * removed (`Vučević` -> `vucevic`), apostrophes and periods dropped (`Day'Ron` -> `dayron`,
 * `G.G.` -> `gg`), hyphens and other punctuation turned into spaces (`Finney-Smith` ->
 * `finney smith`), and generational suffixes removed (`Jr`, `Jr.`, `Sr.`, `II`, `III`, `IV`, `V`),
 * as books write `Bruce Brown Jr` for balldontlie's `Bruce Brown`.
 *
 * Nicknames (`Cam` for `Cameron`) and initials (`J. Isaac`) are not resolved: they need an alias
 * table, not normalization.
 *
 * @example
 * ```ts
 * normalizePlayerName('Kelly Oubre Jr.'); // 'kelly oubre'
 * normalizePlayerName('Nikola Vučević'); // 'nikola vucevic'
 * ```
 */
export function normalizePlayerName(name: string): string {
  const folded = name
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[øđłħıæœßþ]/g, (letter) => unsplittable[letter] ?? letter)
    .replace(/['’‘`.]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  const words = folded === '' ? [] : folded.split(' ');
  // Keep two words at least, so a suffix is never all that is left of a surname.
  while (words.length > 2 && suffixes.has(words[words.length - 1] as string)) words.pop();
  return words.join(' ');
}
