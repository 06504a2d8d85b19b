import type { Phase } from '../runtime/index.js';
import { CliInputError } from './errors.js';

/** Every phase, in order. */
export const allPhases: readonly Phase[] = [1, 2, 3, 4, 5, 6];

/** The short name of each phase, accepted by `--phases` in place of its number. */
export const phaseNames: Readonly<Record<Phase, string>> = {
  1: 'scrape',
  2: 'raw',
  3: 'analytics',
  4: 'precompute',
  5: 'predictions',
  6: 'grading',
};

const phaseOfName = new Map<string, Phase>(
  allPhases.map((phase) => [phaseNames[phase], phase] as const),
);

/** `3 analytics`: a phase's number and name, for progress lines and tables. */
export function phaseLabel(phase: Phase): string {
  return `${phase} ${phaseNames[phase]}`;
}

function onePhase(text: string, whole: string): Phase {
  const trimmed = text.trim().toLowerCase();
  const named = phaseOfName.get(trimmed);
  if (named !== undefined) return named;
  const number = Number(trimmed);
  if (/^\d+$/.test(trimmed) && allPhases.includes(number as Phase)) return number as Phase;
  throw new CliInputError(
    '--phases',
    `--phases ${JSON.stringify(whole)}: unknown phase ${JSON.stringify(text.trim())} (phases are 1-6 or ${allPhases.map((p) => phaseNames[p]).join(', ')})`,
  );
}

/**
 * The phases `--phases` names: a range `1-3`, a list `1,2,3`, names (`raw-analytics`,
 * `analytics`) or a mix; they must form a contiguous run, returned in order.
 *
 * @example
 * ```ts
 * parsePhases('2-4'); // [2, 3, 4]
 * parsePhases('raw,analytics'); // [2, 3]
 * parsePhases('1,3'); // throws CliInputError: not contiguous
 * ```
 */
export function parsePhases(text: string): Phase[] {
  if (text.trim() === '') {
    throw new CliInputError('--phases', '--phases is empty: give a range such as 1-3, or 1,2,3');
  }
  const chosen = new Set<Phase>();
  for (const part of text.split(',')) {
    const range = part.split('-');
    if (range.length > 2) {
      throw new CliInputError(
        '--phases',
        `--phases ${JSON.stringify(text)}: ${JSON.stringify(part)} is not a phase or a range such as 1-3`,
      );
    }
    const first = onePhase(range[0] as string, text);
    const last = range.length === 2 ? onePhase(range[1] as string, text) : first;
    if (last < first) {
      throw new CliInputError(
        '--phases',
        `--phases ${JSON.stringify(text)}: the range ${JSON.stringify(part)} runs backwards`,
      );
    }
    for (let phase = first; phase <= last; phase++) chosen.add(phase as Phase);
  }
  const phases = [...chosen].sort((a, b) => a - b);
  const first = phases[0] as Phase;
  const last = phases[phases.length - 1] as Phase;
  if (last - first + 1 !== phases.length) {
    throw new CliInputError(
      '--phases',
      `--phases ${JSON.stringify(text)} is not contiguous (phases ${phases.join(',')}): a run of phases needs every phase between its first and last`,
    );
  }
  return phases;
}
