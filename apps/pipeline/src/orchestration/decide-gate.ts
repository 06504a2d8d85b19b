import type { Phase } from '../runtime/index.js';
import type { Warehouse } from '../warehouse/index.js';
import type { DefinitionIndex } from './definition-index.js';
import { judgeGate } from './gates.js';
import type { GateCheck, GateDecision, GateFunction, PhaseRecord } from './types.js';

/**
 * Decide the gate out of the finished `record`: one hard check per critical processor of the
 * phase (it reported and did not fail), plus the checks `gate` measures in the warehouse, judged
 * by {@link judgeGate}. Without a gate function the way opens once every processor reported
 * (degraded unless the phase is complete; shut when every processor failed). A gate that throws
 * keeps it shut.
 */
export async function decideGate(
  record: PhaseRecord,
  index: DefinitionIndex,
  gate: GateFunction | undefined,
  warehouse: Warehouse,
  decidedAt: string,
): Promise<GateDecision> {
  const to = (record.phase + 1) as Phase;
  const input = {
    from: record.phase,
    to,
    dataDate: record.dataDate,
    decidedBy: record.decidedBy ?? 'all-reported',
    decidedAt,
  } as const;
  const criticalChecks: GateCheck[] = index
    .entriesOf(record.phase)
    .filter((entry) => entry.critical === true)
    .map((entry) => {
      const report = record.reports[entry.processor.name];
      return {
        name: `${entry.processor.name} reported`,
        kind: 'hard',
        expected: 1,
        actual: report !== undefined && report.status !== 'failed' ? 1 : 0,
      };
    });
  if (gate === undefined) {
    const failed = Object.entries(record.reports).filter(([, r]) => r.status === 'failed');
    if (criticalChecks.length > 0) return judgeGate(input, criticalChecks);
    if (failed.length === record.expected.length) {
      return {
        ...input,
        open: false,
        degraded: false,
        reasons: [`blocked: every processor of phase ${record.phase} failed`],
      };
    }
    return {
      ...input,
      open: true,
      degraded: record.status !== 'complete',
      reasons: [
        `open: no gate between phase ${record.phase} and ${to}; every processor reported`,
        ...failed.map(([name]) => `${name} failed`),
      ],
    };
  }
  try {
    const checks = await gate(record.dataDate, warehouse, { record });
    return await judgeGate(input, [...criticalChecks, ...checks]);
  } catch (error) {
    return judgeGate(input, { failure: error });
  }
}
