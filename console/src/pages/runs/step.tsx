/**
 * The selected step of a run: its record (status, input, output, error), every attempt with its request, answer
 * or error and duration, and for an event wait the event type and filter it waited for and the event that came.
 */
import type {
  ExecutionView,
  StepRetriesResponse,
  StepView,
} from '../../../../lib/core/api/schemas/responses/executions.ts';
import type { StateNodeView } from '../../../../lib/core/api/schemas/responses/graph.ts';
import { api, seg } from '../../api.ts';
import { ActionGroup } from '../../components/ConfirmDialog.tsx';
import { JsonView } from '../../components/JsonView.tsx';
import { ErrorNote } from '../../components/Notice.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { Time } from '../../components/Time.tsx';
import { duration } from '../../format.ts';
import { usePoll } from '../../poll.ts';
import { failedStep, RetryButton } from './actions.tsx';

function Attempts({ run, step }: { run: ExecutionView; step: string }) {
  const live = run.status === 'running' || run.status === 'paused' || run.status === 'created';
  const retries = usePoll(
    (signal) =>
      api.get<StepRetriesResponse>(
        `/executions/${seg(run.execution_id)}/steps/${seg(step)}/retries`,
        undefined,
        signal,
      ),
    `${run.execution_id}/${step}`,
    live ? 3000 : 0,
  );
  if (retries.error?.status === 404) return <p class="muted">No attempt yet.</p>;
  if (retries.error) return <ErrorNote error={retries.error} what="the attempts" />;
  if (!retries.data) return null;
  if (retries.data.attempts.length === 0) return <p class="muted">No attempt recorded.</p>;
  return (
    <ol class="attempts">
      {retries.data.attempts.map((a) => (
        <li key={a.attempt} data-attempt={a.attempt}>
          <p>
            Attempt {a.attempt} <StatusBadge status={a.status} /> <Time at={a.started_at} mode="absolute" />
            {a.duration_ms !== undefined ? ` · ${duration(a.duration_ms)}` : ''}
          </p>
          {a.request !== undefined && (
            <details>
              <summary>Request</summary>
              <JsonView value={a.request} label={`Request of attempt ${a.attempt}`} />
            </details>
          )}
          {a.response !== undefined && (
            <details>
              <summary>Answer</summary>
              <JsonView value={a.response} label={`Answer of attempt ${a.attempt}`} />
            </details>
          )}
          {a.error !== undefined && (
            <div class="error-text">
              Error: <JsonView value={a.error} label={`Error of attempt ${a.attempt}`} />
            </div>
          )}
        </li>
      ))}
    </ol>
  );
}

/** The step's own retries (Lambda's transient errors are retried on every step and left out). */
function retriesText(node: StateNodeView): string {
  const own = (node.retriers ?? []).filter((r) => !r.errors.every((e) => e.startsWith('Lambda.')));
  if (own.length === 0) return '';
  return ` · retries: ${own.map((r) => `up to ${r.max_attempts} on ${r.errors.join(', ')}`).join('; ')}`;
}

export function StepPanel(props: {
  run: ExecutionView;
  step: string;
  records: StepView[];
  node: StateNodeView | undefined;
  onClose: () => void;
  onDone: () => void;
}) {
  const { run, step, records, node } = props;
  const waits = node?.step_type === 'event_wait';
  const failedHere = failedStep(run) === step && run.execution_type === 'standard';
  return (
    <aside class="step-panel" aria-labelledby="step-title">
      <header>
        <h2 id="step-title">Step {step}</h2>
        <button type="button" onClick={props.onClose} aria-label="Close the step">
          ✕ Close
        </button>
      </header>
      {node && (
        <p class="muted">
          {node.fallback_for ? `Fallback of ${node.fallback_for}. ` : ''}
          {node.step_type?.replace('_', ' ')}
          {retriesText(node)}
          {node.timeout_seconds !== undefined ? ` · timeout ${node.timeout_seconds} s` : ''}
        </p>
      )}
      <ActionGroup>{failedHere && <RetryButton run={run} step={step} onDone={props.onDone} />}</ActionGroup>
      {records.length === 0 && <p class="muted">This step has not run in this run.</p>}
      {records.map((r, i) => (
        <section key={r.step_id} class="step-record" aria-label={records.length > 1 ? `Item ${i + 1}` : 'Record'}>
          <p>
            <StatusBadge status={r.status} /> {r.attempts ?? 0} attempt(s) · started <Time at={r.started_at} /> ·{' '}
            {r.completed_at ? (
              <>
                ended <Time at={r.completed_at} />
              </>
            ) : (
              'not ended'
            )}
          </p>
          {waits ? (
            <>
              <h3>Waited for</h3>
              <JsonView value={r.input} label="Event type and filter" />
              <h3>Event received</h3>
              <JsonView value={r.output} label="Event" />
            </>
          ) : (
            <>
              <h3>Input</h3>
              <JsonView value={r.input} label="Input" />
              <h3>Output</h3>
              <JsonView value={r.output} label="Output" />
            </>
          )}
          {r.error_details !== undefined && (
            <>
              <h3>Error</h3>
              <JsonView value={r.error_details} label="Error" />
            </>
          )}
          {r.compensation !== undefined && (
            <>
              <h3>Compensation</h3>
              <JsonView value={r.compensation} label="Compensation" />
            </>
          )}
        </section>
      ))}
      <h3>Attempts</h3>
      <Attempts run={run} step={step} />
    </aside>
  );
}
