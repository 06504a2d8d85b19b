import { PipewellOptionsError } from '@pipewell/core';

/** The four provider APIs; faults and request counts are kept per group. */
export type RouteGroup = 'nbaCdn' | 'balldontlie' | 'espn' | 'oddsApi';

/** Every route group. */
export const ROUTE_GROUPS: readonly RouteGroup[] = ['nbaCdn', 'balldontlie', 'espn', 'oddsApi'];

/** Faults to inject into one route group's responses. Counts go down by one per response. */
export interface FaultSettings {
  /** The next `count` responses are 429 with `Retry-After: retryAfterSeconds` (default 1). */
  readonly rateLimit?: { readonly count: number; readonly retryAfterSeconds?: number };
  /** The next `count` responses are `status` (default 503) with an HTML body, as a gateway sends. */
  readonly serverErrors?: { readonly count: number; readonly status?: number };
  /** The next `count` successful responses carry a body cut off half way: not valid JSON. */
  readonly malformedJson?: { readonly count: number };
  /** Every response waits this long on the provider's clock first. 0 turns it off. */
  readonly delayMs?: number;
  /**
   * NBA.com game ids left out of `/v1/stats` and `/v1/box_scores` (balldontlie only), as when
   * the source has not published a game yet. Set `[]` to bring them back.
   */
  readonly missingGames?: readonly string[];
}

/** The faults in force on one group now: what is left of each count. */
export interface FaultState {
  readonly rateLimit: { readonly count: number; readonly retryAfterSeconds: number };
  readonly serverErrors: { readonly count: number; readonly status: number };
  readonly malformedJson: { readonly count: number };
  readonly delayMs: number;
  readonly missingGames: readonly string[];
}

/** Change a running provider's faults. */
export interface ProviderFaults {
  /** Set faults on `group`: the settings given replace those in force, others stay. */
  set(group: RouteGroup, settings: FaultSettings): void;
  /** The faults in force on `group`. */
  get(group: RouteGroup): FaultState;
  /** Remove every fault from `group`, or from every group. */
  clear(group?: RouteGroup): void;
}

/** A provider option or fault setting is wrong. */
export class ProviderOptionsError extends PipewellOptionsError {
  static override readonly marker: string = '@pipewell/pipeline.ProviderOptionsError';
  override readonly name: string = 'ProviderOptionsError';
}

/** The fault to answer one request with, decided before the route runs. */
export type InjectedFault =
  | { readonly kind: 'rateLimit'; readonly retryAfterSeconds: number }
  | { readonly kind: 'serverError'; readonly status: number };

/** Fault state with the operations the server needs. */
export interface FaultBoard extends ProviderFaults {
  /** Use up one 429 or 5xx of `group`, if any is left (429s first). */
  takeError(group: RouteGroup): InjectedFault | undefined;
  /** Use up one malformed response of `group`; true when this response must be cut. */
  takeMalformed(group: RouteGroup): boolean;
}

function empty(): FaultState {
  return {
    rateLimit: { count: 0, retryAfterSeconds: 1 },
    serverErrors: { count: 0, status: 503 },
    malformedJson: { count: 0 },
    delayMs: 0,
    missingGames: [],
  };
}

function fail(option: string, message: string): never {
  throw new ProviderOptionsError(option, message);
}

function checkCount(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    fail(option, `option "${option}" must be a whole number >= 0 (got ${value})`);
  }
  return value;
}

function checkGroup(group: string): RouteGroup {
  if (!(ROUTE_GROUPS as readonly string[]).includes(group)) {
    fail('group', `fault group must be one of ${ROUTE_GROUPS.join(', ')} (got "${group}")`);
  }
  return group as RouteGroup;
}

function merge(group: RouteGroup, current: FaultState, settings: FaultSettings): FaultState {
  const at = (name: string) => `faults.${group}.${name}`;
  const next = { ...current };
  if (settings.rateLimit !== undefined) {
    const retryAfterSeconds = settings.rateLimit.retryAfterSeconds ?? 1;
    next.rateLimit = {
      count: checkCount(at('rateLimit.count'), settings.rateLimit.count),
      retryAfterSeconds: checkCount(at('rateLimit.retryAfterSeconds'), retryAfterSeconds),
    };
  }
  if (settings.serverErrors !== undefined) {
    const status = settings.serverErrors.status ?? 503;
    if (!Number.isInteger(status) || status < 500 || status > 599) {
      fail(
        at('serverErrors.status'),
        `option "${at('serverErrors.status')}" must be a 5xx status (got ${status})`,
      );
    }
    next.serverErrors = {
      count: checkCount(at('serverErrors.count'), settings.serverErrors.count),
      status,
    };
  }
  if (settings.malformedJson !== undefined) {
    next.malformedJson = {
      count: checkCount(at('malformedJson.count'), settings.malformedJson.count),
    };
  }
  if (settings.delayMs !== undefined) {
    if (!Number.isFinite(settings.delayMs) || settings.delayMs < 0) {
      fail(
        at('delayMs'),
        `option "${at('delayMs')}" must be a finite number >= 0 (got ${settings.delayMs})`,
      );
    }
    next.delayMs = settings.delayMs;
  }
  if (settings.missingGames !== undefined) {
    if (group !== 'balldontlie' && settings.missingGames.length > 0) {
      fail(at('missingGames'), `option "${at('missingGames')}" applies to balldontlie only`);
    }
    next.missingGames = [...settings.missingGames];
  }
  return next;
}

/**
 * The fault state of a provider: settings per route group, checked when set, used up one
 * response at a time.
 */
export function createFaultBoard(
  initial: Partial<Record<RouteGroup, FaultSettings>> = {},
): FaultBoard {
  const states = new Map<RouteGroup, FaultState>(ROUTE_GROUPS.map((g) => [g, empty()]));
  const state = (group: RouteGroup) => states.get(group) as FaultState;
  const board: FaultBoard = {
    set(group, settings) {
      const g = checkGroup(group);
      states.set(g, merge(g, state(g), settings));
    },
    get: (group) => state(checkGroup(group)),
    clear(group) {
      for (const g of group === undefined ? ROUTE_GROUPS : [checkGroup(group)])
        states.set(g, empty());
    },
    takeError(group) {
      const current = state(group);
      if (current.rateLimit.count > 0) {
        states.set(group, {
          ...current,
          rateLimit: { ...current.rateLimit, count: current.rateLimit.count - 1 },
        });
        return { kind: 'rateLimit', retryAfterSeconds: current.rateLimit.retryAfterSeconds };
      }
      if (current.serverErrors.count > 0) {
        states.set(group, {
          ...current,
          serverErrors: { ...current.serverErrors, count: current.serverErrors.count - 1 },
        });
        return { kind: 'serverError', status: current.serverErrors.status };
      }
      return undefined;
    },
    takeMalformed(group) {
      const current = state(group);
      if (current.malformedJson.count === 0) return false;
      states.set(group, { ...current, malformedJson: { count: current.malformedJson.count - 1 } });
      return true;
    },
  };
  for (const [group, settings] of Object.entries(initial)) {
    if (settings !== undefined) board.set(group as RouteGroup, settings);
  }
  return board;
}
