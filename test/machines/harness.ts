/** Runs a child machine under a recording parent, so sendParent events can be asserted. */
import { setup, createActor, assign, type AnyActorLogic, type AnyEventObject } from 'xstate';
import { pino } from 'pino';

export const silentLog = pino({ level: 'silent' });

export function underParent(child: AnyActorLogic, input: unknown) {
  const parent = setup({
    types: {} as { context: { events: AnyEventObject[] } },
    actors: { child },
  }).createMachine({
    context: { events: [] },
    invoke: { id: 'child', src: 'child', input: () => input },
    on: { '*': { actions: assign({ events: ({ context, event }) => [...context.events, event] }) } },
  });
  const actor = createActor(parent).start();
  return {
    actor,
    child: () => actor.getSnapshot().children.child!,
    events: () => actor.getSnapshot().context.events.map((e) => e.type),
    send: (e: AnyEventObject) => actor.getSnapshot().children.child!.send(e),
  };
}
