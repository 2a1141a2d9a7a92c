/**
 * A run's actions, each behind a confirmation: pause and resume (Standard runs), cancel with a reason, and retry
 * the step a failed run stopped at. Only the actions the run's status allows are offered; the API still decides and
 * its refusal (409 and why) is shown.
 */
import type { ExecutionView, RetryStepResponse } from '../../../../lib/core/api/schemas/responses/executions.ts';
import { api, seg } from '../../api.ts';
import { ActionButton, ActionGroup } from '../../components/ConfirmDialog.tsx';

export function failedStep(run: ExecutionView): string | undefined {
  const step = (run.error_details as { step?: unknown } | undefined)?.step;
  return run.status === 'failed' && typeof step === 'string' ? step : undefined;
}

export function RetryButton({ run, step, onDone }: { run: ExecutionView; step: string; onDone: () => void }) {
  return (
    <ActionButton<RetryStepResponse>
      label={`Retry ${step}`}
      title={`Retry step ${step}?`}
      description={
        <p>
          The run continues from <strong>{step}</strong>: the step runs again and the steps that completed before it are
          not called again.
        </p>
      }
      confirmLabel="Retry step"
      reason={{ label: 'Reason' }}
      run={(reason) =>
        api.post<RetryStepResponse>(
          `/executions/${seg(run.execution_id)}/steps/${seg(step)}/retry`,
          reason ? { reason } : {},
        )
      }
      done={(r) => `Retrying ${r.retried_step}`}
      onDone={onDone}
    />
  );
}

export function RunActions({ run, onDone }: { run: ExecutionView; onDone: () => void }) {
  const path = `/executions/${seg(run.execution_id)}`;
  const standard = run.execution_type === 'standard';
  const retryable = failedStep(run);
  const canCancel = ['created', 'running', 'paused', 'failed'].includes(run.status);
  const body = (reason: string) => (reason ? { reason } : {});
  return (
    <section class="actions-bar" aria-label="Run actions">
      <ActionGroup>
        {standard && run.status === 'running' && (
          <ActionButton<ExecutionView>
            label="Pause"
            title="Pause this run?"
            description={
              <p>
                The run stops before its next step starts; a step already running finishes, and an event wait keeps its
                timeout running.
              </p>
            }
            reason={{ label: 'Reason' }}
            run={(reason) => api.put<ExecutionView>(`${path}/pause`, body(reason))}
            done={(r) => `Run ${r.status}`}
            onDone={onDone}
          />
        )}
        {standard && run.status === 'paused' && (
          <ActionButton<ExecutionView>
            label="Resume"
            title="Resume this run?"
            description={<p>The run continues exactly where it stopped.</p>}
            reason={{ label: 'Reason' }}
            run={(reason) => api.put<ExecutionView>(`${path}/resume`, body(reason))}
            done={(r) => `Run ${r.status}`}
            onDone={onDone}
          />
        )}
        {retryable && standard && <RetryButton run={run} step={retryable} onDone={onDone} />}
        {canCancel && (
          <ActionButton<ExecutionView>
            label="Cancel run"
            title="Cancel this run?"
            description={<p>The run stops for good; it cannot be resumed or retried afterwards.</p>}
            confirmLabel="Cancel run"
            danger
            reason={{
              label: 'Reason',
              required: true,
              placeholder: 'Why the run is cancelled (kept in the audit trail)',
            }}
            run={(reason) => api.put<ExecutionView>(`${path}/cancel`, { reason })}
            done={(r) => `Run ${r.status}`}
            onDone={onDone}
          />
        )}
      </ActionGroup>
    </section>
  );
}
