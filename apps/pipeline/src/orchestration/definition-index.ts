import type { Phase } from '../runtime/index.js';
import { OrchestrationError } from './errors.js';
import type { PhaseProcessorEntry, PhaseRecord, PipelineDefinition, RawInput } from './types.js';

/** The processor name phase 5 reports its finished prediction batch under. */
export const predictionBatchProcessor = 'prediction_batch';

/** The trigger marker of phase 1 (its one trigger names no processor). */
export const phaseOneMarker = 'scrapers';

/** Every phase, in order. */
export const allPhases: readonly Phase[] = [1, 2, 3, 4, 5, 6];

/** A {@link PipelineDefinition} looked up by phase, checked once. */
export interface DefinitionIndex {
  /** The processors a trigger of `phase` may start (none for phase 1; the coordinator for 5). */
  entriesOf(phase: Phase): readonly PhaseProcessorEntry[];
  /** The names a record of `phase` waits for (scrapers, raw processors, `prediction_batch`...). */
  expectedOf(phase: Phase): string[];
  /** The raw processor named `name`. */
  rawEntry(name: string): PhaseProcessorEntry<RawInput> | undefined;
  /** The processors of `record`'s phase that may start now and whose trigger is not yet out. */
  startable(record: PhaseRecord): string[];
}

/**
 * Index `definition` by phase. Throws {@link OrchestrationError} for a phase without processors
 * or a `dependsOn` that names no processor of its phase (it would never start).
 */
export function indexDefinition(definition: PipelineDefinition): DefinitionIndex {
  const raw = new Map(definition.raw.entries.map((entry) => [entry.processor.name, entry]));
  const entriesOf = (phase: Phase): readonly PhaseProcessorEntry[] => {
    switch (phase) {
      case 1:
        return [];
      case 2:
        return definition.raw.entries as readonly PhaseProcessorEntry[];
      case 5:
        return [definition.predictions.coordinator];
      default:
        return definition.phases[phase];
    }
  };
  const expectedOf = (phase: Phase): string[] => {
    if (phase === 1) return [...definition.phase1.expected];
    if (phase === 2) {
      return [
        ...new Set(
          definition.phase1.expected
            .map((scraper) => definition.raw.processorForScraper(scraper))
            .filter((name): name is string => name !== undefined),
        ),
      ];
    }
    const names = entriesOf(phase).map((entry) => entry.processor.name);
    return phase === 5 ? [...names, predictionBatchProcessor] : names;
  };
  for (const phase of allPhases) {
    if (expectedOf(phase).length === 0) {
      throw new OrchestrationError(`pipeline definition: phase ${phase} has no processors`);
    }
    const names = new Set(entriesOf(phase).map((entry) => entry.processor.name));
    for (const entry of entriesOf(phase)) {
      const unknown = (entry.dependsOn ?? []).filter((name) => !names.has(name));
      if (unknown.length > 0) {
        throw new OrchestrationError(
          `pipeline definition: processor ${entry.processor.name} of phase ${phase} depends on ${unknown.join(', ')}, not a processor of that phase`,
        );
      }
    }
  }
  return {
    entriesOf,
    expectedOf,
    rawEntry: (name) => raw.get(name),
    startable(record) {
      const triggered = new Set(record.triggered ?? []);
      if (record.phase === 1) return triggered.has(phaseOneMarker) ? [] : [phaseOneMarker];
      const reported = new Set(Object.keys(record.reports));
      return entriesOf(record.phase)
        .filter(
          (entry) =>
            !triggered.has(entry.processor.name) &&
            !reported.has(entry.processor.name) &&
            (entry.dependsOn ?? []).every((name) => reported.has(name)),
        )
        .map((entry) => entry.processor.name);
    },
  };
}
