// Mutation testing settings: see tools/mutation/stryker.config.mjs.
export { default } from '../../tools/mutation/stryker.config.mjs';
