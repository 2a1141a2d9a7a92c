/**
 * A Mermaid flowchart of a workflow: steps (shaped by type), their dependencies as the compiler reads them,
 * choice branches, map bodies as subgraphs, and error handlers as dashed edges.
 */
import { buildStepGraph } from './dag.ts';
import type { Condition, OnError, WorkflowDocument, WorkflowStep } from './schema.ts';

/** Renders a workflow as a Mermaid `flowchart TD`. */
export function workflowGraph(workflow: WorkflowDocument): string {
  const lines: string[] = ['flowchart TD'];
  const handlers = new Map((workflow.definition.error_handlers ?? []).map((h) => [h.step, h.on_error]));
  lines.push('  start((start))');
  const { roots, sinks } = renderList(workflow.definition.steps, lines, handlers, '  ');
  for (const r of roots) lines.push(`  start --> ${r}`);
  lines.push('  finish((end))');
  for (const s of sinks) lines.push(`  ${s} --> finish`);
  return `${lines.join('\n')}\n`;
}

/** Mermaid id of a step (prefixed: "end" and friends are keywords). */
function id(name: string): string {
  return `s_${name}`;
}

function label(text: string): string {
  return `"${text.replace(/"/g, '#quot;')}"`;
}

function node(step: WorkflowStep): string {
  const i = id(step.name);
  switch (step.step_type) {
    case 'service_call':
      return `${i}[${label(`${step.name}<br/>${step.method ?? 'POST'} ${step.service} ${step.endpoint}`)}]`;
    case 'event_wait':
      return `${i}[/${label(`${step.name}<br/>wait for ${step.event_type}`)}/]`;
    case 'choice':
      return `${i}{${label(step.name)}}`;
    case 'wait':
      return `${i}[[${label(`${step.name}<br/>wait ${step.seconds !== undefined ? `${step.seconds} s` : `until ${step.until}`}`)}]]`;
    case 'sub_workflow':
      return `${i}[[${label(`${step.name}<br/>run ${step.workflow}`)}]]`;
    case 'succeed':
      return `${i}([${label(`${step.name}: succeed`)}])`;
    case 'fail':
      return `${i}([${label(`${step.name}: fail`)}])`;
    case 'map':
      return `${i}[${label(`${step.name}<br/>for each ${step.items}`)}]`;
  }
}

/** Renders one list; returns the ids runs enter by and leave from. */
function renderList(
  steps: WorkflowStep[],
  lines: string[],
  handlers: Map<string, OnError>,
  indent: string,
): { roots: string[]; sinks: string[] } {
  const graph = buildStepGraph(steps);
  const exits = new Map<string, string>();
  steps.forEach((step) => {
    exits.set(step.name, renderStep(step, lines, handlers, indent));
  });
  const roots: string[] = [];
  const sinks: string[] = [];
  steps.forEach((step, i) => {
    const preds = graph.preds[i] ?? [];
    if (preds.length === 0) roots.push(id(step.name));
    for (const p of preds) lines.push(`${indent}${exits.get(graph.names[p]!)} --> ${id(step.name)}`);
    if ((graph.succs[i] ?? []).length === 0 && step.step_type !== 'succeed' && step.step_type !== 'fail') {
      sinks.push(exits.get(step.name)!);
    }
  });
  return { roots, sinks };
}

/** Renders a step (and what it contains); returns the id its successors connect from. */
function renderStep(step: WorkflowStep, lines: string[], handlers: Map<string, OnError>, indent: string): string {
  const i = id(step.name);
  if (step.step_type === 'map') {
    lines.push(`${indent}subgraph ${i}_body [${label(`each item of ${step.items}`)}]`);
    const inner = renderList(step.steps, lines, handlers, `${indent}  `);
    lines.push(`${indent}end`);
    lines.push(`${indent}${node(step)}`);
    for (const r of inner.roots) lines.push(`${indent}${i} --> ${r}`);
    lines.push(`${indent}${i}_join(( ))`);
    for (const s of inner.sinks) lines.push(`${indent}${s} --> ${i}_join`);
    return `${i}_join`;
  }
  lines.push(`${indent}${node(step)}`);
  renderHandler(step, lines, handlers.get(step.name), indent);
  if (step.step_type !== 'choice') return i;
  const join = `${i}_join`;
  lines.push(`${indent}${join}(( ))`);
  const branches = [
    ...step.choices.map((c) => ({ text: conditionText(c.condition), steps: c.steps })),
    { text: 'otherwise', steps: step.default ?? [] },
  ];
  for (const b of branches) {
    if (b.steps.length === 0) {
      lines.push(`${indent}${i} -->|${label(b.text)}| ${join}`);
      continue;
    }
    const inner = renderList(b.steps, lines, handlers, indent);
    for (const r of inner.roots) lines.push(`${indent}${i} -->|${label(b.text)}| ${r}`);
    for (const s of inner.sinks) lines.push(`${indent}${s} --> ${join}`);
  }
  return join;
}

function renderHandler(step: WorkflowStep, lines: string[], on: OnError | undefined, indent: string): void {
  if (!on) return;
  const i = id(step.name);
  if (on.action === 'fallback') {
    lines.push(
      `${indent}${id(on.step.name)}[${label(`${on.step.name} (fallback)<br/>${on.step.service} ${on.step.endpoint}`)}]`,
    );
    lines.push(`${indent}${i} -.->|on error| ${id(on.step.name)}`);
    return;
  }
  const text =
    on.action === 'retry'
      ? `retry ×${on.max_retries} every ${on.backoff_seconds} s`
      : on.action === 'notify'
        ? `notify ${on.target}${on.continue ? ', continue' : ', fail'}`
        : on.action === 'continue'
          ? 'record and continue'
          : 'compensate completed steps, fail';
  lines.push(`${indent}${i}_err>${label(text)}]`);
  lines.push(`${indent}${i} -.->|on error| ${i}_err`);
}

function conditionText(c: Condition): string {
  if ('and' in c) return c.and.map(conditionText).join(' and ');
  if ('or' in c) return c.or.map(conditionText).join(' or ');
  if ('not' in c) return `not (${conditionText(c.not)})`;
  const v = c.variable.replace(/^\$\{|\}$/g, '');
  if ('equals' in c) return `${v} = ${String(c.equals)}`;
  if ('not_equals' in c) return `${v} ≠ ${String(c.not_equals)}`;
  if ('greater_than' in c) return `${v} > ${c.greater_than}`;
  if ('greater_than_or_equals' in c) return `${v} ≥ ${c.greater_than_or_equals}`;
  if ('less_than' in c) return `${v} < ${c.less_than}`;
  if ('less_than_or_equals' in c) return `${v} ≤ ${c.less_than_or_equals}`;
  if ('exists' in c) return c.exists ? `${v} exists` : `${v} missing`;
  return `${v} in ${c.in.map(String).join(', ')}`;
}
