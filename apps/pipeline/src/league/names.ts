import type { Random } from './random.js';

// biome-ignore format: a word list
const firstNames = [
  'Aaron', 'Adrian', 'Alonzo', 'Andre', 'Anthony', 'Austin', 'Brandon', 'Bryce', 'Caleb', 'Cameron',
  'Chris', 'Cole', 'Corey', 'Dante', 'Darius', 'Davion', "De'Andre", 'Derek', 'Desmond', 'Devin',
  'Dillon', 'Dominic', 'Donovan', 'Dwayne', 'Elijah', 'Emeka', 'Ethan', 'Evan', 'Gabriel', 'Grant',
  'Isaiah', "Ja'Marcus", 'Jabari', 'Jalen', 'Jamal', 'Jaylen', 'Jeremy', 'Jordan', 'Josh', 'Julian',
  'Kaden', 'Kamari', 'Keegan', 'Kendrick', 'Khalil', 'Kobe', 'Lamar', 'Landon', 'Luca', 'Malik',
  'Marcus', 'Mason', 'Mateo', 'Miles', 'Nikola', 'Noah', 'Olu', 'Omari', 'Quentin', 'Rashad',
  'Reggie', 'Ryan', 'Samir', 'Terrence', 'Theo', 'Trey', 'Tyrese', 'Victor', 'Xavier', 'Zach',
];

// biome-ignore format: a word list
const surnameHeads = [
  'Ab', 'Ash', 'Bar', 'Brack', 'Brin', 'Cal', 'Cor', 'Cress', 'Dar', 'Drum', 'Dun', 'El', 'Ever',
  'Fair', 'Fen', 'Gar', 'Glen', 'Hal', 'Hart', 'Iver', 'Jam', 'Kel', 'Kend', 'Lan', 'Lock', 'Mar',
  'Mor', 'Nash', 'Nor', 'Ock', 'Ol', 'Pem', 'Pres', 'Quin', 'Rad', 'Ros', 'Sel', 'Stan', 'Thorn',
  'Tor', 'Ul', 'Val', 'Vick', 'Wald', 'Wes', 'Yor',
];

// biome-ignore format: a word list
const surnameTails = [
  'ard', 'by', 'dale', 'er', 'ett', 'field', 'ford', 'ham', 'ick', 'ins', 'ley', 'man', 'more',
  'ridge', 'son', 'stead', 'ton', 'well', 'wick', 'worth',
];

const suffixes = [' Jr.', ' II', ' III'];

/**
 * A synthetic player name: a common first name and an invented surname, meant to match no real
 * player.
 */
export interface PlayerName {
  readonly firstName: string;
  readonly lastName: string;
}

function surname(rng: Random): string {
  const one = () => rng.pick(surnameHeads) + rng.pick(surnameTails);
  // A few double-barrelled names and suffixes, so scrapers meet hyphens and "Jr.".
  const base = rng.chance(0.03) ? `${one()}-${one()}` : one();
  return rng.chance(0.06) ? base + rng.pick(suffixes) : base;
}

/**
 * Draw `count` distinct synthetic names from a seeded pool.
 *
 * @example
 * ```ts
 * drawNames(createRandom(1), 450).length; // 450, all full names distinct
 * ```
 */
export function drawNames(rng: Random, count: number): PlayerName[] {
  const seen = new Set<string>();
  const names: PlayerName[] = [];
  while (names.length < count) {
    const name = { firstName: rng.pick(firstNames), lastName: surname(rng) };
    const full = `${name.firstName} ${name.lastName}`;
    if (seen.has(full)) continue;
    seen.add(full);
    names.push(name);
  }
  return names;
}
