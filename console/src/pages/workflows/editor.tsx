/**
 * Validate a pasted definition: a JSON editor with line numbers; the API's verdict lists each problem with its path,
 * and choosing a problem selects its field in the text and marks its line. A valid definition shows its compile
 * report and graph before anything is saved.
 */
import { useMemo, useRef, useState } from 'preact/hooks';
import type { ValidationResponse } from '../../../../lib/core/api/schemas/responses/workflows.ts';
import { api, seg } from '../../api.ts';
import { errorText } from '../../components/ConfirmDialog.tsx';
import { GraphView } from '../../graph/GraphView.tsx';
import { locate, type TextRange } from '../../workflows/locate.ts';
import { CompileReport } from './report.tsx';

type Problem = ValidationResponse['problems'][number];

export function ValidateEditor({ workflowId, initial }: { workflowId: string; initial: string }) {
  const [text, setText] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ValidationResponse>();
  const [failure, setFailure] = useState<string>();
  const [marked, setMarked] = useState<number>();
  const area = useRef<HTMLTextAreaElement>(null);
  const lines = useMemo(() => text.split('\n').length, [text]);
  const ranges = useMemo(
    () => new Map((result?.problems ?? []).map((p, i) => [i, locate(text, p.path)] as const)),
    [result, text],
  );
  const badLines = useMemo(() => new Set([...ranges.values()].flatMap((r) => (r ? [r.line] : []))), [ranges]);

  const validate = async () => {
    setFailure(undefined);
    setResult(undefined);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      setFailure(`Not JSON: ${(e as Error).message}`);
      return;
    }
    setBusy(true);
    try {
      setResult(await api.post<ValidationResponse>(`/workflows/${seg(workflowId)}/validate`, body));
    } catch (e) {
      setFailure(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const show = (i: number, range: TextRange | undefined) => {
    setMarked(range?.line);
    const el = area.current;
    if (!el || !range) return;
    el.focus();
    el.setSelectionRange(range.start, range.end);
    // Bring the line into view: 18 px per line, as the stylesheet sets.
    el.parentElement?.scrollTo({ top: Math.max(0, (range.line - 4) * 18) });
    void i;
  };
  return (
    <div class="editor">
      <label for="definition-text">Workflow document (JSON)</label>
      <div class="editor-box">
        <pre class="editor-lines" aria-hidden="true">
          {Array.from({ length: lines }, (_, i) => (
            <span key={i} class={badLines.has(i + 1) ? 'bad-line' : undefined} data-line={i + 1}>
              {i + 1}
              {marked === i + 1 ? ' ▶' : ''}
              {'\n'}
            </span>
          ))}
        </pre>
        <textarea
          id="definition-text"
          ref={area}
          rows={Math.min(40, Math.max(16, lines + 1))}
          spellcheck={false}
          value={text}
          onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
        />
      </div>
      <div class="actions-bar">
        <button type="button" class="primary" onClick={() => void validate()} disabled={busy}>
          {busy ? 'Validating…' : 'Validate'}
        </button>
        <button type="button" onClick={() => setText(initial)} disabled={busy || text === initial}>
          Reset to the stored version
        </button>
      </div>
      {failure && (
        <p class="error" role="alert">
          {failure}
        </p>
      )}
      {result && !result.valid && (
        <div role="alert">
          <p class="error">
            ✕ {result.problems.length} problem{result.problems.length === 1 ? '' : 's'}: choose one to see it in the
            text.
          </p>
          <ol class="problems">
            {result.problems.map((p: Problem, i) => {
              const range = ranges.get(i);
              return (
                <li key={`${p.path}:${p.message}`}>
                  <button type="button" class="link" onClick={() => show(i, range)}>
                    {p.path || '(document)'}
                    {range ? ` (line ${range.line})` : ''}
                  </button>
                  : {p.message}
                </li>
              );
            })}
          </ol>
        </div>
      )}
      {result?.valid && (
        <div role="status">
          <p class="outcome ok">✓ Valid. What it compiles to:</p>
          {result.report && <CompileReport report={result.report} />}
          {result.graph && <GraphView graph={result.graph} detail="steps" label="Graph of the validated definition" />}
        </div>
      )}
    </div>
  );
}
