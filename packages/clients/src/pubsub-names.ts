import { ClientConfigError } from './project.js';

const topicPattern = /^(?!goog)[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;

/** Check a topic or subscription name (short or `projects/P/topics/NAME`) before any call. */
export function checkName(kind: 'topic' | 'subscription', name: unknown): string {
  if (typeof name !== 'string') {
    throw new ClientConfigError(kind, `a ${kind} name must be a string (got ${typeof name})`);
  }
  const short = name.split('/').pop() ?? '';
  if (!topicPattern.test(short)) {
    throw new ClientConfigError(
      kind,
      `illegal ${kind} name ${JSON.stringify(name)}: 3-255 characters, starting with a letter, of letters, digits and - _ . ~ + %, not starting with "goog"`,
    );
  }
  return name;
}
