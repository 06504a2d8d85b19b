import type { PhaseProcessorEntry } from '../orchestration/types.js';
import type { PrecomputeOptions } from './dependencies.js';
import { mlFeatureStoreProcessor } from './ml-feature-store.js';
import { playerCompositeFactorsProcessor } from './player-composite-factors.js';
import { playerDailyCacheProcessor } from './player-daily-cache.js';
import { playerShotZoneAnalysisProcessor } from './player-shot-zone-analysis.js';
import { teamDefenseZoneAnalysisProcessor } from './team-defense-zone-analysis.js';

export type { FactorInputs, Factors, LeagueBaseline } from './composite-factors.js';
export { compositeFactors, maxAdjustmentPoints } from './composite-factors.js';
export type { PrecomputeInput } from './define-precompute.js';
export type { PrecomputeOptions, PrecomputeUpstream, UpstreamCoverage } from './dependencies.js';
export { UpstreamCoverageError } from './errors.js';
export { expectedPlayers, expectedTeams, historyWindow } from './expected.js';
export { featureColumns, featuresVersion, mlFeatureStoreProcessor } from './ml-feature-store.js';
export { playerCompositeFactorsProcessor } from './player-composite-factors.js';
export { playerDailyCacheProcessor } from './player-daily-cache.js';
export { playerShotZoneAnalysisProcessor } from './player-shot-zone-analysis.js';
export { teamDefenseZoneAnalysisProcessor } from './team-defense-zone-analysis.js';

/**
 * The phase 4 processors with the original's graph, for the orchestrator: shot zones, team
 * defence and the daily cache first; composite factors after shot zones and team defence; the
 * feature store after the daily cache and composite factors. Critical: the daily cache and the
 * feature store. `options.sink` receives the degraded and blocked dependency decisions.
 */
export function createPrecomputeEntries(options: PrecomputeOptions = {}): PhaseProcessorEntry[] {
  return [
    { processor: playerShotZoneAnalysisProcessor(options) },
    { processor: teamDefenseZoneAnalysisProcessor(options) },
    { processor: playerDailyCacheProcessor(options), critical: true },
    {
      processor: playerCompositeFactorsProcessor(options),
      dependsOn: ['player_shot_zone_analysis', 'team_defense_zone_analysis'],
    },
    {
      processor: mlFeatureStoreProcessor(options),
      dependsOn: ['player_daily_cache', 'player_composite_factors'],
      critical: true,
    },
  ];
}

/** {@link createPrecomputeEntries} without a decision sink. */
export const precomputeEntries: PhaseProcessorEntry[] = createPrecomputeEntries();
