import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createTypedTopic, type MessageContext, subscribe } from './pubsub.js';

const PhaseComplete = z.object({ phase: z.number(), dataDate: z.string() });
type PhaseComplete = z.infer<typeof PhaseComplete>;

describe('subscribe types', () => {
  it('hands a handler without a schema unknown data, never a Buffer typed as anything', () => {
    subscribe('raw-events', (data, context) => {
      expectTypeOf(data).toEqualTypeOf<unknown>();
      expectTypeOf(context).toEqualTypeOf<MessageContext>();
    });
    // @ts-expect-error without a schema the data is unknown, so a Buffer handler does not fit
    subscribe('raw-events', (data: Buffer) => data.length);
    // @ts-expect-error without a schema nothing vouches for the type, so none can be claimed
    subscribe<PhaseComplete>('raw-events', (data) => data.phase);
    // @ts-expect-error the same claim through the handler's parameter
    subscribe('raw-events', (data: PhaseComplete) => data.phase);
  });

  it('types the data by the schema when there is one', () => {
    subscribe(
      'phase-complete-sub',
      (data) => {
        expectTypeOf(data).toEqualTypeOf<PhaseComplete>();
      },
      { schema: PhaseComplete },
    );
    // @ts-expect-error the schema's output has no gameId
    subscribe('phase-complete-sub', (data: { gameId: string }) => data.gameId, {
      schema: PhaseComplete,
    });
  });

  it('types a typed topic subscriber by its schema', () => {
    const topic = createTypedTopic('phase-complete', PhaseComplete);
    topic.subscribe('phase-complete-sub', (data) => {
      expectTypeOf(data).toEqualTypeOf<PhaseComplete>();
    });
  });
});
