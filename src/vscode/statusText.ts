/** The words of Critic's status items (status bar, language status), pure code, unit-tested. */
import { failedCount, type ExecutionSummary } from '../engine/executionSummary.js';
import { summarise, type Finding } from '../engine/findings.js';
import type { CheckPhase } from '../engine/pipeline.js';
import { plural } from '../engine/text.js';

export const phaseText: Record<CheckPhase, string> = {
  tools: 'static tools',
  execution: 'running examples and tests',
  model: 'asking the model',
};

/** What was skipped in Restricted Mode, said the same way in every status. */
export const restrictedSkipped = 'Restricted Mode: examples, tests and the model were skipped';

export interface ResultText {
  text: string;
  icon: 'error' | 'warning' | 'pass' | 'info';
}

/** The few words for a finished run: its findings, else what passed, else that nothing ran. */
export function lastResultText(findings: readonly Pick<Finding, 'level'>[], execution: ExecutionSummary | undefined, restricted: boolean): ResultText {
  const s = summarise(findings as Finding[], 1);
  const counts = [s.error && plural(s.error, 'error'), s.warning && plural(s.warning, 'warning'), s.note && plural(s.note, 'note')].filter(Boolean);
  if (counts.length) return { text: counts.join(', '), icon: s.error ? 'error' : s.warning ? 'warning' : 'info' };
  if (restricted) return { text: 'no findings from the static checks', icon: 'info' };
  const failed = execution ? failedCount(execution) : 0;
  // Failing evidence that points at no line of this file (the tests reach it through another module).
  if (failed) {
    const ran = (['examples', 'tests', 'probes'] as const).reduce((n, k) => n + execution![k].passed + execution![k].failed, 0);
    return { text: `no findings here, but ${failed} of ${ran} run${ran === 1 ? '' : 's'} did not pass`, icon: 'warning' };
  }
  const passed = [
    execution?.examples.passed && plural(execution.examples.passed, 'example'),
    execution?.tests.passed && plural(execution.tests.passed, 'test'),
    execution?.probes.passed && plural(execution.probes.passed, 'probe'),
  ].filter(Boolean);
  if (passed.length) return { text: `✓ ${passed.join(', ')} passed`, icon: 'pass' };
  return { text: 'no findings; nothing was executed', icon: 'info' };
}

