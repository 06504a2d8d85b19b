// The object store a processor gets is the app's one ObjectStore port (src/objects).
export type { ObjectStore, PutOptions as ObjectPutOptions } from '../objects/port.js';
