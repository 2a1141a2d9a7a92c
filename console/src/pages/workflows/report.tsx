/** The compile report: what a run costs in transitions and dollars, Express eligibility, parallelism, notes. */
import type { CompileReportView } from '../../../../lib/core/api/schemas/responses/graph.ts';

const usd = (n: number): string => `$${n.toLocaleString('en-US', { maximumFractionDigits: 2 })}`;

export function CompileReport({ report }: { report: CompileReportView }) {
  const t = report.transitions;
  const c = report.cost_per_million_runs;
  const perItem = Object.entries(t.per_map_item);
  return (
    <div class="report" data-report>
      <dl>
        <dt>Runs on</dt>
        <dd>Step Functions {report.execution_type === 'express' ? 'Express' : 'Standard'}</dd>
        <dt>States</dt>
        <dd data-figure="states">{report.states}</dd>
        <dt>Transitions per run</dt>
        <dd data-figure="transitions">
          {t.happy_path} on the happy path
          {t.happy_path_min !== t.happy_path ? ` (shortest branch ${t.happy_path_min})` : ''}, {t.worst_case} at worst
          (every retry used)
        </dd>
        {perItem.length > 0 && (
          <>
            <dt>Per map item</dt>
            <dd>{perItem.map(([step, n]) => `${step}: +${n}`).join(', ')}</dd>
          </>
        )}
        <dt>Cost per million runs</dt>
        <dd data-figure="cost">
          {usd(c.standard_usd)} on Standard ({usd(c.standard_worst_case_usd)} at worst), {usd(c.express_usd)} on Express
        </dd>
        <dt>Express</dt>
        <dd>
          {report.express_possible ? 'possible' : 'not possible'}
          {report.express_blockers.length > 0 && (
            <ul>
              {report.express_blockers.map((b) => (
                <li key={b}>{b}</li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Parallelism</dt>
        <dd>
          {report.parallelism.exact ? 'exact: every step starts as soon as its dependencies end' : 'not exact'}
          {report.parallelism.lists.length > 0 && (
            <ul>
              {report.parallelism.lists.map((l) => (
                <li key={l.path}>
                  <code>{l.path}</code>: {l.steps} steps, {l.strategy}
                  {l.expected_makespan_ratio > 1 ? `, makespan ×${l.expected_makespan_ratio} of the critical path` : ''}
                </li>
              ))}
            </ul>
          )}
        </dd>
        {report.dag && (
          <>
            <dt>DAG joins</dt>
            <dd>
              {report.dag.strategy}: {report.dag.joins.length} join(s), +{report.dag.extra_transitions} transitions
              <ul>
                {report.dag.joins.map((j) => (
                  <li key={j.step}>
                    {j.step} waits for {j.waits_for.join(', ')}
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
        {report.notes.length > 0 && (
          <>
            <dt>Notes</dt>
            <dd>
              <ul>
                {report.notes.map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            </dd>
          </>
        )}
      </dl>
      <details>
        <summary>Assumptions</summary>
        <ul>
          {c.assumptions.map((a) => (
            <li key={a}>{a}</li>
          ))}
        </ul>
      </details>
    </div>
  );
}
