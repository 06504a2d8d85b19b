export type {
  FaultSettings,
  FaultState,
  ProviderFaults,
  RouteGroup,
} from './faults.js';
export { ProviderOptionsError, ROUTE_GROUPS } from './faults.js';
export type {
  ProviderHandle,
  ProviderRequests,
  ProviderUrls,
  RouteName,
  StartProviderOptions,
} from './server.js';
export { startProvider } from './server.js';
