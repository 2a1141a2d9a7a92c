// Steward's local status page: polls the REST API and /local/* every two seconds and renders services,
// executions (step timeline + workflow graph drawn as SVG), events, alerts and metrics. No framework.
const $ = (sel) => document.querySelector(sel);
const state = { selected: null, workflows: new Map() };

const esc = (v) =>
  String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
const pill = (status) =>
  `<span class="pill s-${esc(String(status ?? 'unknown').toLowerCase())}">${esc(status ?? 'unknown')}</span>`;
const ago = (iso) => {
  if (!iso) return '';
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  return Number.isNaN(s)
    ? esc(iso)
    : s < 60
      ? `${s}s ago`
      : s < 3600
        ? `${Math.round(s / 60)}m ago`
        : `${Math.round(s / 3600)}h ago`;
};

async function get(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

/** The list inside a paginated answer, whatever the collection is called. */
function items(answer) {
  if (Array.isArray(answer)) return answer;
  for (const key of ['items', 'services', 'executions', 'steps', 'events', 'alerts', 'retries', 'metrics'])
    if (Array.isArray(answer?.[key])) return answer[key];
  return [];
}

function renderServices(list) {
  const rows = list.map((s) => {
    const checks = s.checks ?? s.health?.checks ?? [];
    const checkText = Array.isArray(checks)
      ? checks
          .map(
            (c) =>
              `${esc(c.name ?? c.check)}: ${esc(c.status ?? (c.ok ? 'ok' : 'failing'))}${c.latency_ms !== undefined ? ` (${esc(c.latency_ms)} ms)` : ''}`,
          )
          .join('<br>')
      : '';
    const r = s.restarts;
    const crashed = r?.crashes_in_window ? ` + ${r.crashes_in_window} crashed` : '';
    const spent = r?.crash_looping ? ' (crash loop)' : r?.budget_exhausted ? ' (budget spent)' : '';
    const lastExit = r?.last_crash ? `, last exit ${r.last_crash.exit_code ?? r.last_crash.stop_code ?? '?'}` : '';
    const restarts = r ? `${r.in_window}${crashed}${spent}${lastExit}` : '';
    const phi = s.phi ? `<br>phi ${esc(s.phi.value ?? '–')}${s.phi.suspected ? ' (suspected)' : ''}` : '';
    return `<tr data-service="${esc(s.name)}"><td><b>${esc(s.name)}</b><div class="muted">${esc([s.group, s.lifecycle].filter(Boolean).join(' · '))}</div></td>
      <td>${pill(s.health ?? s.status)} <span class="muted">${esc(s.health ? s.status : '')}</span></td><td>${checkText}${phi}</td><td>${esc(restarts)}</td>
      <td>${ago(s.status_changed_at ?? s.last_changed_at ?? s.updated_at ?? s.timestamp)}</td></tr>`;
  });
  $('#services tbody').innerHTML =
    rows.join('') || '<tr><td colspan="5" class="muted">no services registered</td></tr>';
}

function renderExecutions(list) {
  $('#executions').innerHTML =
    list
      .map((e) => {
        const id = e.execution_id ?? e.id;
        return `<li data-id="${esc(id)}" class="${state.selected === id ? 'selected' : ''}">${pill(e.status)}
        <b>${esc(e.workflow_name ?? e.workflow_id)}</b><div class="muted">${esc(id)} · ${ago(e.started_at ?? e.created_at)}
        ${e.current_step ? ` · at ${esc(e.current_step)}` : ''}</div></li>`;
      })
      .join('') || '<li class="muted">no executions yet</li>';
  if (!state.selected && list[0]) state.selected = list[0].execution_id ?? list[0].id;
}

/** Steps of a workflow definition with the edges Steward runs them by (depends_on, else sequence). */
function dagOf(definition) {
  const steps = definition?.steps ?? [];
  const anyDeps = steps.some((s) => Array.isArray(s.depends_on));
  const edges = [];
  if (anyDeps) {
    for (const s of steps) for (const d of s.depends_on ?? []) edges.push([d, s.name]);
  } else {
    const seqs = [...new Set(steps.map((s) => s.sequence ?? 0))].sort((a, b) => a - b);
    for (let i = 1; i < seqs.length; i++)
      for (const a of steps.filter((s) => (s.sequence ?? 0) === seqs[i - 1]))
        for (const b of steps.filter((s) => (s.sequence ?? 0) === seqs[i])) edges.push([a.name, b.name]);
  }
  return { steps, edges };
}

/** Draws the DAG as SVG: columns by longest path from a root, boxes coloured by step status. */
function graphSvg(definition, stepStatus) {
  const { steps, edges } = dagOf(definition);
  if (steps.length === 0) return '';
  const level = new Map(steps.map((s) => [s.name, 0]));
  for (let pass = 0; pass < steps.length; pass++)
    for (const [a, b] of edges)
      if ((level.get(b) ?? 0) < (level.get(a) ?? 0) + 1) level.set(b, (level.get(a) ?? 0) + 1);
  const columns = new Map();
  for (const s of steps) {
    const l = level.get(s.name) ?? 0;
    if (!columns.has(l)) columns.set(l, []);
    columns.get(l).push(s);
  }
  const W = 170,
    H = 44,
    GX = 50,
    GY = 18;
  const pos = new Map();
  let rows = 0;
  for (const [l, col] of columns) {
    col.forEach((s, i) => {
      pos.set(s.name, { x: 10 + l * (W + GX), y: 10 + i * (H + GY) });
    });
    rows = Math.max(rows, col.length);
  }
  const width = 20 + columns.size * (W + GX),
    height = 20 + rows * (H + GY);
  const colour = {
    completed: '#1f9d55',
    failed: '#d64545',
    running: '#2f6fdb',
    started: '#2f6fdb',
    waiting: '#d98b0b',
    paused: '#d98b0b',
    skipped: '#9aa0ad',
  };
  const lines = edges
    .filter(([a, b]) => pos.has(a) && pos.has(b))
    .map(([a, b]) => {
      const p = pos.get(a),
        q = pos.get(b);
      return `<path d="M${p.x + W} ${p.y + H / 2} C${p.x + W + GX / 2} ${p.y + H / 2}, ${q.x - GX / 2} ${q.y + H / 2}, ${q.x} ${q.y + H / 2}" fill="none" stroke="#9aa0ad" marker-end="url(#arrow)"/>`;
    });
  const boxes = steps.map((s) => {
    const p = pos.get(s.name);
    const st = String(stepStatus.get(s.name) ?? '').toLowerCase();
    const fill = colour[st] ?? '#ffffff';
    const text = colour[st] ? '#fff' : '#1d1f24';
    return `<g class="node" data-step="${esc(s.name)}"><rect x="${p.x}" y="${p.y}" width="${W}" height="${H}" rx="6" fill="${fill}" stroke="#6b7080"/>
      <text x="${p.x + 8}" y="${p.y + 18}" fill="${text}">${esc(s.name)}</text>
      <text x="${p.x + 8}" y="${p.y + 34}" fill="${text}" opacity="0.8">${esc(s.step_type)}${st ? ` · ${esc(st)}` : ''}</text></g>`;
  });
  return `<svg class="graph" viewBox="0 0 ${width} ${height}" height="${height}"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0 L10 5 L0 10 z" fill="#9aa0ad"/></marker></defs>${lines.join('')}${boxes.join('')}</svg>`;
}

function timeline(steps) {
  const times = steps
    .flatMap((s) => [Date.parse(s.started_at), Date.parse(s.completed_at ?? s.updated_at ?? '')])
    .filter((t) => !Number.isNaN(t));
  const start = Math.min(...times),
    end = Math.max(...times, Date.now());
  const span = Math.max(end - start, 1);
  return `<div class="timeline">${steps
    .map((s) => {
      const a = Date.parse(s.started_at),
        b = Date.parse(s.completed_at ?? '') || Date.now();
      const left = Number.isNaN(a) ? 0 : ((a - start) / span) * 100;
      const width = Number.isNaN(a) ? 0 : Math.max(((b - a) / span) * 100, 0.5);
      const colour =
        { completed: '#1f9d55', failed: '#d64545', waiting: '#d98b0b' }[String(s.status).toLowerCase()] ?? '#2f6fdb';
      const name = s.step ?? s.step_name ?? s.name;
      return `<div class="row"><span>${esc(name)} <span class="muted">×${esc(s.attempts ?? s.attempt ?? 1)}</span></span>
        <div class="bar-track"><div class="bar" style="left:${left}%;width:${width}%;background:${colour}"></div></div>${pill(s.status)}</div>`;
    })
    .join('')}</div>`;
}

async function renderExecution() {
  const id = state.selected;
  if (!id) return;
  const [execution, steps] = await Promise.all([
    get(`/executions/${encodeURIComponent(id)}`),
    get(`/executions/${encodeURIComponent(id)}/steps`),
  ]);
  const workflowId = execution.workflow_id;
  if (workflowId && !state.workflows.has(workflowId)) {
    const [workflow, graph] = await Promise.all([
      get(`/workflows/${encodeURIComponent(workflowId)}`).catch(() => null),
      get(`/local/graph?workflow_id=${encodeURIComponent(workflowId)}`).catch(() => null),
    ]);
    state.workflows.set(workflowId, { workflow, mermaid: graph?.mermaid });
  }
  const cached = state.workflows.get(workflowId) ?? {};
  const stepList = items(steps);
  const stepStatus = new Map(stepList.map((s) => [s.step ?? s.step_name ?? s.name, s.status]));
  $('#execution').classList.remove('muted');
  $('#execution').innerHTML = `<div>${pill(execution.status)} <b>${esc(execution.workflow_name ?? workflowId)}</b>
      <span class="muted">${esc(id)} · correlation ${esc(execution.correlation_id)}</span></div>
    ${execution.error_details ? `<div class="muted">error: ${esc(JSON.stringify(execution.error_details))}</div>` : ''}
    ${graphSvg(cached.workflow?.definition, stepStatus)}
    <h3>Steps</h3>${stepList.length ? timeline(stepList) : '<div class="muted">no step has started yet</div>'}
    ${cached.mermaid ? `<details><summary class="muted">Mermaid</summary><pre class="mermaid">${esc(cached.mermaid)}</pre></details>` : ''}`;
}

function renderEvents(list) {
  $('#events').innerHTML =
    list
      .slice(0, 30)
      .map(
        (e) =>
          `<li><b>${esc(e['detail-type'] ?? e.type)}</b> <span class="muted">${esc(e.source)} · ${esc(e.bus ?? '')} · ${ago(e.time ?? e.timestamp)}</span></li>`,
      )
      .join('') || '<li class="muted">no events yet</li>';
}

function renderAlerts(list) {
  $('#alerts').innerHTML =
    list
      .slice(0, 30)
      .map(
        (a) =>
          `<li>${pill(a.state ?? a.status)} <b>${esc(a.title ?? a.key ?? a.alert_id)}</b> <span class="muted">${esc(a.severity ?? '')} · ${ago(a.opened_at ?? a.created_at)}</span></li>`,
      )
      .join('') || '<li class="muted">no alerts</li>';
}

function renderMetrics(list) {
  $('#metrics tbody').innerHTML =
    list
      .slice(0, 40)
      .map(
        (m) =>
          `<tr><td>${esc(m.namespace ? `${m.namespace}/` : '')}${esc(m.name)}</td><td>${esc(m.count)}</td><td>${esc(m.last)} ${esc(m.unit ?? '')}</td></tr>`,
      )
      .join('') || '<tr><td colspan="3" class="muted">no metrics yet</td></tr>';
}

function renderIam(iam) {
  $('#iam-mode').textContent = iam.enforcing
    ? `enforced · ${iam.decisions?.evaluated ?? 0} decisions evaluated, ${iam.decisions?.lookups ?? 0} checks`
    : 'off (--iam off): calls are signed but nothing is refused';
  const denials = (iam.denials ?? []).slice(0, 30).map(
    (d) =>
      `<li>${pill('denied')} <b>${esc(d.functions?.join(', ') || d.principal)}</b> ${esc(d.action)} on <code>${esc(d.resource)}</code>
      <span class="muted">${ago(d.time)}</span><div class="muted">allowed by <code>${esc(JSON.stringify(d.allowingStatement))}</code></div></li>`,
  );
  const findings = (iam.findings ?? []).map(
    (f) =>
      `<li>${pill('finding')} <b>${esc(f.id)}</b> <span class="muted">${esc(f.problem)}</span>${f.allowingStatement ? `<div class="muted">allowed by <code>${esc(JSON.stringify(f.allowingStatement))}</code></div>` : ''}</li>`,
  );
  $('#iam').innerHTML = [...denials, ...findings].join('') || '<li class="muted">no call refused</li>';
}

async function refresh() {
  const problems = [];
  const run = async (label, fn) => {
    try {
      await fn();
    } catch (error) {
      problems.push(`${label}: ${error.message}`);
    }
  };
  await Promise.all([
    run('services', async () => renderServices(items(await get('/services/status')))),
    run('executions', async () => renderExecutions(items(await get('/executions?limit=25')))),
    run('events', async () => renderEvents(items(await get('/local/events')))),
    run('alerts', async () => renderAlerts(items(await get('/alerts')))),
    run('metrics', async () => renderMetrics(items(await get('/local/metrics')))),
    run('iam', async () => renderIam(await get('/local/iam'))),
    run('info', async () => {
      const info = await get('/local/info');
      $('#meta').textContent =
        `up ${Math.round(info.uptime_seconds)}s · ${info.functions} functions · ${info.state_machines} state machines · speed ×${info.speed}`;
    }),
  ]);
  await run('execution', renderExecution);
  $('#error').textContent = problems.join(' · ');
}

$('#executions').addEventListener('click', (event) => {
  const li = event.target.closest('li[data-id]');
  if (!li) return;
  state.selected = li.dataset.id;
  for (const el of document.querySelectorAll('#executions li')) el.classList.toggle('selected', el === li);
  void renderExecution();
});

await refresh();
setInterval(refresh, 2000);
