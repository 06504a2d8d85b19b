/**
 * The Google Cloud adapters of the ports, in one entry of their own: importing a port's index
 * (the embedded backend) never loads a Google Cloud SDK; the app imports this entry only when
 * its configuration picks a Google Cloud backend.
 */
export type { GcsObjectOperation, GcsObjectStoreOptions } from '../objects/gcs-objects.js';
export { GcsObjectStoreError, openGcsObjectStore } from '../objects/gcs-objects.js';
export type { PubSubQueue, PubSubQueueOptions } from '../queue/pubsub-queue.js';
export { openPubSubQueue } from '../queue/pubsub-queue.js';
export type { FirestoreStateStore, FirestoreStateStoreOptions } from '../state/firestore-state.js';
export { firestoreExpireAtField, openFirestoreStateStore } from '../state/firestore-state.js';
export type { BigQueryWarehouseOptions } from '../warehouse/bigquery.js';
export { openBigQueryWarehouse } from '../warehouse/bigquery.js';
