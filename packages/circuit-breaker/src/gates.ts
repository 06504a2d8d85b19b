import { BreakerConfigError } from './errors.js';

/**
 * What a gate decided: open (the phase may start) or not, and why. A blocked gate is a value.
 * `decision` uses the words of `@pipewell/soft-deps` decisions (`'proceed'` / `'blocked'`), so a
 * gate's result and a dependency decision can be logged, recorded and alerted on the same way.
 */
export interface GateResult<Details = unknown> {
  /** Whether the phase may start: `decision === 'proceed'`. */
  readonly open: boolean;
  /** `'proceed'` when open, `'blocked'` when not (a gate never decides `'degraded'`). */
  readonly decision: 'proceed' | 'blocked';
  /** Human-readable reasons, for alerts and the dashboard; the first says the decision. */
  readonly reasons: readonly string[];
  readonly details: Details;
}

/** Options for {@link quorumGate}. */
export interface QuorumGateOptions {
  /** Every processor the gate counts, for example the five precompute processors. */
  readonly of: readonly string[];
  /** Processors that must all be complete, whatever the count. @default [] */
  readonly required?: readonly string[];
  /** How many of `of` must be complete. @default of.length */
  readonly minComplete?: number;
}

/** What {@link quorumGate} reports in `details`. */
export interface QuorumGateDetails {
  readonly complete: readonly string[];
  readonly missing: readonly string[];
  readonly missingRequired: readonly string[];
  /** Names given as complete that the gate does not count (a typo, or another phase's processor). */
  readonly unknown: readonly string[];
  readonly minComplete: number;
  readonly total: number;
}

/** A gate over which processors completed. */
export interface QuorumGate {
  readonly options: Required<QuorumGateOptions>;
  /** Decide from the names of the processors that completed. */
  evaluate(completed: Iterable<string>): GateResult<QuorumGateDetails>;
}

function gateError(gate: string, option: string, message: string): BreakerConfigError {
  return new BreakerConfigError(option, `${gate}: ${message}`);
}

function decided(open: boolean): 'proceed' | 'blocked' {
  return open ? 'proceed' : 'blocked';
}

/**
 * A gate that opens when at least `minComplete` of the processors in `of` are complete and every
 * `required` one is. Phase 4 to 5 in the reference pipeline: 3 of 5 precompute processors,
 * including both critical ones.
 *
 * @example
 * ```ts
 * const gate = quorumGate({
 *   of: ['player_daily_cache', 'feature_store', 'composite_factors', 'team_defense', 'shot_zones'],
 *   required: ['player_daily_cache', 'feature_store'],
 *   minComplete: 3,
 * });
 * const result = gate.evaluate(['player_daily_cache', 'feature_store', 'shot_zones']);
 * // result.open === true
 * ```
 */
export function quorumGate(options: QuorumGateOptions): QuorumGate {
  const of = options?.of;
  if (
    !Array.isArray(of) ||
    of.length === 0 ||
    !of.every((name) => typeof name === 'string' && name !== '')
  ) {
    throw gateError('quorumGate', 'of', '"of" must be a non-empty list of processor names');
  }
  if (new Set(of).size !== of.length) {
    throw gateError('quorumGate', 'of', '"of" lists a processor twice');
  }
  const required = options.required ?? [];
  const outside = required.filter((name) => !of.includes(name));
  if (outside.length > 0) {
    throw gateError(
      'quorumGate',
      'required',
      `"required" names processors not in "of": ${outside.join(', ')}`,
    );
  }
  const minComplete = options.minComplete ?? of.length;
  if (!Number.isInteger(minComplete) || minComplete < 0 || minComplete > of.length) {
    throw gateError(
      'quorumGate',
      'minComplete',
      `"minComplete" must be a whole number from 0 to ${of.length} (got ${String(minComplete)})`,
    );
  }
  const counted = new Set(of);
  const frozen = Object.freeze({
    of: Object.freeze([...of]),
    required: Object.freeze([...required]),
    minComplete,
  });

  return {
    options: frozen,
    evaluate(completed) {
      const done = new Set<string>();
      const unknown: string[] = [];
      for (const name of completed) {
        if (counted.has(name)) done.add(name);
        else if (!unknown.includes(name)) unknown.push(name);
      }
      const complete = of.filter((name) => done.has(name));
      const missing = of.filter((name) => !done.has(name));
      const missingRequired = required.filter((name) => !done.has(name));
      const enough = complete.length >= minComplete;
      const open = enough && missingRequired.length === 0;
      const reasons = [
        `${complete.length} of ${of.length} complete (need ${minComplete}${required.length > 0 ? `, including ${required.join(', ')}` : ''})`,
      ];
      if (!enough) reasons.push(`too few complete: missing ${missing.join(', ')}`);
      if (missingRequired.length > 0)
        reasons.push(`required not complete: ${missingRequired.join(', ')}`);
      if (unknown.length > 0)
        reasons.push(`not counted (unknown to this gate): ${unknown.join(', ')}`);
      reasons[0] = `${open ? 'open' : 'blocked'}: ${reasons[0]}`;
      return {
        open,
        decision: decided(open),
        reasons,
        details: { complete, missing, missingRequired, unknown, minComplete, total: of.length },
      };
    },
  };
}

/** Options for {@link shareGate}. */
export interface ShareGateOptions {
  /** The largest share of bad items, in [0, 1], that still lets the phase start. */
  readonly maxBadShare: number;
  /** What the items are called in reasons. @default 'items' */
  readonly itemName?: string;
}

/** What {@link shareGate} is given: how many items, and which (or how many) are bad. */
export interface ShareGateInput {
  readonly total: number;
  /** The bad items' ids, or just their count. */
  readonly bad: number | readonly string[];
}

/** What {@link shareGate} reports in `details`. */
export interface ShareGateDetails {
  readonly total: number;
  readonly bad: number;
  readonly badShare: number;
  readonly maxBadShare: number;
  readonly badIds: readonly string[];
}

/** A gate over the share of bad items. */
export interface ShareGate {
  readonly options: Required<ShareGateOptions>;
  /** Decide from how many items there are and which (or how many) are bad. */
  evaluate(input: ShareGateInput): GateResult<ShareGateDetails>;
}

/**
 * A gate that blocks when more than `maxBadShare` of the items are bad, for example when more
 * than half of tonight's games have data issues.
 *
 * @example
 * ```ts
 * const gate = shareGate({ maxBadShare: 0.5, itemName: 'games' });
 * gate.evaluate({ total: 10, bad: ['0022500647'] }).open; // true: 10% bad
 * ```
 */
export function shareGate(options: ShareGateOptions): ShareGate {
  const maxBadShare = options?.maxBadShare;
  if (typeof maxBadShare !== 'number' || !(maxBadShare >= 0 && maxBadShare <= 1)) {
    throw gateError(
      'shareGate',
      'maxBadShare',
      `"maxBadShare" must be a number from 0 to 1 (got ${String(maxBadShare)})`,
    );
  }
  const itemName = options.itemName ?? 'items';
  return {
    options: Object.freeze({ maxBadShare, itemName }),
    evaluate({ total, bad }) {
      const badIds = typeof bad === 'number' ? [] : [...bad];
      const badCount = typeof bad === 'number' ? bad : badIds.length;
      if (!Number.isInteger(total) || total < 0) {
        throw gateError(
          'shareGate',
          'total',
          `"total" must be a whole number >= 0 (got ${String(total)})`,
        );
      }
      if (!Number.isInteger(badCount) || badCount < 0 || badCount > total) {
        throw gateError(
          'shareGate',
          'bad',
          `"bad" must count from 0 to total (${total}) (got ${String(badCount)})`,
        );
      }
      const badShare = total === 0 ? 0 : badCount / total;
      const open = badShare <= maxBadShare;
      const percent = (share: number): string => `${Math.round(share * 1000) / 10}%`;
      const reasons = [
        `${open ? 'open' : 'blocked'}: ${badCount} of ${total} ${itemName} bad (${percent(badShare)}, limit ${percent(maxBadShare)})`,
      ];
      if (total === 0) reasons.push(`no ${itemName} to check`);
      if (!open && badIds.length > 0) reasons.push(`bad ${itemName}: ${badIds.join(', ')}`);
      return {
        open,
        decision: decided(open),
        reasons,
        details: { total, bad: badCount, badShare, maxBadShare, badIds },
      };
    },
  };
}

/**
 * Combine gate results: open only when every one is open; reasons are concatenated in order.
 *
 * @example
 * ```ts
 * const result = allGates(quorum.evaluate(done), share.evaluate(quality));
 * ```
 */
export function allGates(...results: readonly GateResult[]): GateResult<readonly GateResult[]> {
  const open = results.every((result) => result.open);
  return {
    open,
    decision: decided(open),
    reasons: results.flatMap((result) => result.reasons),
    details: results,
  };
}
