// Fails to compile if any export of a package, or any parameter or return type of an exported
// function, is `any`: types must survive packing and resolution.
import type * as Alerts from '@pipewell/alerts';
import type * as CircuitBreaker from '@pipewell/circuit-breaker';
import type * as Clients from '@pipewell/clients';
import type * as Core from '@pipewell/core';
import type * as CoreTesting from '@pipewell/core/testing';
import type * as Heartbeat from '@pipewell/heartbeat';
import type * as Retry from '@pipewell/retry';
import type * as SoftDeps from '@pipewell/soft-deps';

type IsAny<T> = 0 extends 1 & T ? true : false;
type Leaks<T> =
  IsAny<T> extends true
    ? true
    : T extends (...args: infer A) => infer R
      ? true extends IsAny<A[number]>
        ? true
        : IsAny<R>
      : false;
type LeakyExports<M> = { [K in keyof M]: Leaks<M[K]> extends true ? K : never }[keyof M];
type NoLeaks<M> = [LeakyExports<M>] extends [never] ? true : LeakyExports<M>;

export const checks: [
  NoLeaks<typeof Core>,
  NoLeaks<typeof CoreTesting>,
  NoLeaks<typeof Retry>,
  NoLeaks<typeof CircuitBreaker>,
  NoLeaks<typeof Heartbeat>,
  NoLeaks<typeof SoftDeps>,
  NoLeaks<typeof Clients>,
  NoLeaks<typeof Alerts>,
] = [true, true, true, true, true, true, true, true];
