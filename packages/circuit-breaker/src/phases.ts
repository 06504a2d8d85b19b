import type { ClockTimer } from '@pipewell/core';

// A breaker's local state: one discriminated union of four phases, each with only the fields
// that phase has (cockatiel's shape), so an impossible combination cannot be written.

/**
 * Whether an open period is the fleet's (the store's period `period`) or this instance's alone
 * (its trip is unpublished, the fleet lacks a quorum, or there is no store).
 */
export type Scope = 'local' | 'fleet';

/** Closed: calls go through and are counted. */
export interface ClosedPhase {
  readonly kind: 'closed';
  /**
   * Settle handlers bound to this closed period, so a call knows the period it started in
   * without a closure per call.
   */
  readonly onSuccess: <R>(value: R) => R;
  readonly onFailure: (error: unknown) => never;
}

/** Open: calls are refused until `halfOpenAt`. */
export interface OpenPhase {
  readonly kind: 'open';
  readonly scope: Scope;
  /** The fleet's period (scope fleet), or the period this instance's trip would open (local). */
  readonly period: number;
  readonly halfOpenAt: number;
  /** The failure that opened it, when this instance saw it. */
  readonly cause: unknown;
  /** A call is taking the fleet's probe lease; others are refused meanwhile. */
  acquiring: boolean;
}

/** Half-open: up to `halfOpenMaxCalls` trial calls decide, within the lease. */
export interface HalfOpenPhase {
  readonly kind: 'half-open';
  readonly scope: Scope;
  readonly period: number;
  /** Whether this instance holds the fleet's probe lease (else it probes for itself). */
  readonly lease: boolean;
  /** When the probe counts as failed if it has not decided. */
  readonly leaseExpiresAt: number;
  readonly leaseTimer: ClockTimer;
  readonly cause: unknown;
  started: number;
  successes: number;
}

/** Isolated by an operator: open until `reset()`. */
export interface IsolatedPhase {
  readonly kind: 'isolated';
}

/** The local state: one of four phases, each with only the fields that phase has. */
export type Phase = ClosedPhase | OpenPhase | HalfOpenPhase | IsolatedPhase;
