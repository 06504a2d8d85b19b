export type { DurableOutboxContractOptions } from './testing/durable-outbox-contract.js';
export { durableOutboxContract } from './testing/durable-outbox-contract.js';
export type {
  FakeSlack,
  FakeSlackAnswer,
  FakeSlackOptions,
  FakeSlackRequest,
} from './testing/fake-slack.js';
export { startFakeSlack } from './testing/fake-slack.js';
export type { OutboxContractOptions } from './testing/outbox-contract.js';
export { createOutboxEntry, outboxContract } from './testing/outbox-contract.js';
export type { ContractAssertion, ContractTestFunctions } from './testing/test-functions.js';
