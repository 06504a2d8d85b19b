import { describe, expect, it } from 'vitest';
import { normalizePlayerName } from './player-name.js';

describe('normalizePlayerName', () => {
  // Pairs as two sources spell the same player in the recordings.
  it.each([
    ['Bruce Brown Jr', 'Bruce Brown'],
    ['Kelly Oubre Jr.', 'Kelly Oubre'],
    ['Trey Murphy III', 'Trey Murphy'],
    ['Lonnie Walker IV', 'Lonnie Walker'],
    ['Wendell Carter Jr.', 'Wendell Carter'],
    ['Dorian Finney-Smith', 'Dorian Finney Smith'],
    ['G.G. Jackson', 'GG Jackson'],
    ['Nikola Vučević', 'Nikola Vucevic'],
    ['Dennis Schröder', 'Dennis Schroder'],
    ["Day'Ron Sharpe", 'DayRon Sharpe'],
    ['Day’Ron Sharpe', "Day'Ron Sharpe"],
    ['Jusuf Nurkić', 'Jusuf Nurkic'],
    ['Kristaps Porziņģis', 'Kristaps Porzingis'],
    ['Nikola Jokić', 'NIKOLA JOKIC'],
    ['  Ja   Morant ', 'Ja Morant'],
  ])('joins %j with %j', (a, b) => {
    expect(normalizePlayerName(a)).toBe(normalizePlayerName(b));
  });

  it.each([
    ['Kelly Oubre Jr.', 'kelly oubre'],
    ['Nikola Vučević', 'nikola vucevic'],
    ['Dorian Finney-Smith', 'dorian finney smith'],
    ['G.G. Jackson', 'gg jackson'],
    ['Ricky Council IV', 'ricky council'],
    ['Vincent Williams Jr', 'vincent williams'],
    ['Jakob Pöltl', 'jakob poltl'],
    ['Kristian Søgaard', 'kristian sogaard'],
    ['Marcin Gortał', 'marcin gortal'],
  ])('normalizes %j to %j', (name, key) => {
    expect(normalizePlayerName(name)).toBe(key);
  });

  it('keeps a two-word name whose last word looks like a suffix', () => {
    expect(normalizePlayerName('Malik V')).toBe('malik v');
    expect(normalizePlayerName('J.R. Smith')).toBe('jr smith');
  });

  it('keeps different players apart', () => {
    expect(normalizePlayerName('Jalen Williams')).not.toBe(normalizePlayerName('Jaylin Williams'));
  });
});
