/**
 * Start a run of a workflow version: a field per context key the definition reads, a JSON editor for the rest, an
 * optional correlation id; confirmed, then the run's page opens.
 */
import { useMemo, useState } from 'preact/hooks';
import type { ExecutionView } from '../../../../lib/core/api/schemas/responses/executions.ts';
import { api, seg } from '../../api.ts';
import { ActionButton } from '../../components/ConfirmDialog.tsx';
import { JsonView } from '../../components/JsonView.tsx';
import { href, navigate } from '../../router.ts';
import { buildContext, contextFields } from '../../workflows/context.ts';

export function StartRun({
  workflowId,
  version,
  definition,
}: {
  workflowId: string;
  version: string;
  definition: unknown;
}) {
  const fields = useMemo(() => contextFields(definition), [definition]);
  const [values, setValues] = useState<Record<string, string>>({});
  const [json, setJson] = useState('{}');
  const [correlation, setCorrelation] = useState('');
  let context: Record<string, unknown> | undefined;
  let problem: string | undefined;
  try {
    context = buildContext(json, values);
  } catch (e) {
    problem = (e as Error).message;
  }
  return (
    <form class="start-run" aria-label="Start a run" onSubmit={(e) => e.preventDefault()}>
      {fields.length > 0 ? (
        <fieldset>
          <legend>Context this workflow reads</legend>
          {fields.map((f) => (
            <label key={f.key} class="field" for={`ctx-${f.key}`}>
              <span>
                {f.key}
                {f.placeholderOnly ? ' (endpoint placeholder; may come from a map item or step output)' : ''}
              </span>
              <input
                id={`ctx-${f.key}`}
                name={f.key}
                value={values[f.key] ?? ''}
                title={`Used in ${f.usedIn.join(', ')}`}
                onInput={(e) => setValues({ ...values, [f.key]: (e.target as HTMLInputElement).value })}
              />
            </label>
          ))}
        </fieldset>
      ) : (
        <p class="muted">This workflow reads no context value by name; add any context as JSON.</p>
      )}
      <label class="field" for="ctx-json">
        <span>More context (JSON object; the fields above are set on top)</span>
        <textarea
          id="ctx-json"
          rows={4}
          value={json}
          onInput={(e) => setJson((e.target as HTMLTextAreaElement).value)}
        />
      </label>
      <label class="field" for="ctx-correlation">
        <span>Correlation id (optional)</span>
        <input
          id="ctx-correlation"
          value={correlation}
          onInput={(e) => setCorrelation((e.target as HTMLInputElement).value)}
        />
      </label>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <ActionButton<ExecutionView>
        label="Start run"
        title={`Start a run of version ${version}?`}
        description={
          <>
            <p>With this context:</p>
            <JsonView value={context ?? {}} label="Context" />
          </>
        }
        disabled={context === undefined}
        run={() =>
          api.post<ExecutionView>('/executions', {
            workflow_id: workflowId,
            version,
            context: context ?? {},
            ...(correlation.trim() ? { correlation_id: correlation.trim() } : {}),
          })
        }
        done={(r) => `Started run ${r.execution_id.slice(0, 8)}`}
        onDone={(r) => navigate(href(`/runs/${seg(r.execution_id)}`))}
      />
    </form>
  );
}
