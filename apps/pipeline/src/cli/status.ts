import { type PhaseRecord, phaseRecordId, phaseRecordsCollection } from '../orchestration/types.js';
import type { StateStore } from '../state/index.js';
import { allPhases, phaseLabel } from './phases.js';
import { gateText, reportedText, reportText } from './progress.js';
import { renderTable } from './table.js';

/** The completion record of every phase of `dataDate` the state store holds, in phase order. */
export async function readPhaseRecords(
  state: StateStore,
  dataDate: string,
): Promise<PhaseRecord[]> {
  const records: PhaseRecord[] = [];
  for (const phase of allPhases) {
    const record = await state.get<PhaseRecord>(
      phaseRecordsCollection,
      phaseRecordId(phase, dataDate),
    );
    if (record !== undefined) records.push(record);
  }
  return records;
}

function triggerText(record: PhaseRecord): string {
  const trigger = record.nextTrigger;
  if (trigger === undefined) return '-';
  if (trigger.publishedAt !== undefined) return `published ${trigger.publishedAt}`;
  const last = trigger.lastError === undefined ? '' : `, last error: ${trigger.lastError}`;
  return `not published (${trigger.attempts} attempts${last})`;
}

/**
 * `pipewell status`: a table of each phase's record (status, processors reported of expected,
 * the gate into it, whether the next phase's trigger was published), then the gate reasons and
 * each processor that did not succeed, one line each.
 */
export function formatStatus(records: readonly PhaseRecord[]): string {
  const table = renderTable(
    ['phase', 'status', 'processors', 'gate', 'next trigger'],
    records.map((record) => [
      phaseLabel(record.phase),
      record.status,
      reportedText(record).replace(' processors reported', ' reported'),
      record.gate === undefined
        ? '-'
        : `${record.gate.from}->${record.gate.to} ${gateText(record.gate)}`,
      triggerText(record),
    ]),
  );
  const details: string[] = [];
  for (const record of records) {
    const label = `phase ${phaseLabel(record.phase)}`;
    for (const reason of record.gate?.reasons ?? []) details.push(`${label} gate: ${reason}`);
    const missing = record.expected.filter((name) => !Object.hasOwn(record.reports, name));
    if (missing.length > 0 && record.status !== 'complete') {
      details.push(`${label} not reported: ${missing.join(', ')}`);
    }
    for (const [name, report] of Object.entries(record.reports)) {
      if (report.status === 'degraded' || report.status === 'failed') {
        details.push(`${label} ${name}: ${reportText(report)}`);
      }
    }
  }
  return details.length === 0 ? table : `${table}\n${details.join('\n')}`;
}
