export type { LocalObjectStoreOptions } from './local-objects.js';
export { openLocalObjectStore } from './local-objects.js';
export type { ObjectStore, PutOptions } from './port.js';
export { checkObjectPath, ObjectPathError } from './port.js';
