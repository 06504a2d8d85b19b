export type { GcsObjectOperation, GcsObjectStoreOptions } from './gcs-objects.js';
export { GcsObjectStoreError, openGcsObjectStore } from './gcs-objects.js';
export type { LocalObjectStoreOptions } from './local-objects.js';
export { openLocalObjectStore } from './local-objects.js';
export type { ObjectStore, PutOptions } from './port.js';
export { checkObjectPath, ObjectPathError } from './port.js';
