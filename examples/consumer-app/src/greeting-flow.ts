import { defineFlow, end, linear } from 'metaflow-cdk/graph';

const step = (name: string): string[] => ['node', 'steps/greet.mjs', name];

/** Three steps; each prints what it got, the end step prints the greeting. */
export const greetingFlow = defineFlow({
  name: 'GreetingFlow',
  doc: 'Greets someone: the smallest flow an app can define.',
  parameters: { who: { type: 'string', default: 'world', help: 'whom to greet' } },
  defaults: { cpu: 1, memory: 2048 },
  steps: {
    start: linear('greet', { command: step('start') }),
    greet: linear('end', { command: step('greet'), retry: { times: 1 } }),
    end: end({ command: step('end') }),
  },
});
