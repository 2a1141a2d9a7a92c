/**
 * The `steward` command table: each name maps to a lazily imported module, so `steward validate` does not load the
 * AWS SDK that `steward api` needs.
 */

/** What every command module exports. */
export interface CommandModule {
  run(argv: string[]): Promise<number>;
  help: string;
}

/** A command: a one-line summary for `steward --help` and a loader. */
export interface Command {
  summary: string;
  load: () => Promise<CommandModule>;
}

/**
 * Imports a command module by a specifier TypeScript does not resolve statically: commands written elsewhere
 * (local, api, dlq) may be absent from a partial checkout, and the dispatcher reports that clearly instead.
 */
function loadModule(specifier: string): Promise<CommandModule> {
  return import(new URL(specifier, import.meta.url).href) as Promise<CommandModule>;
}

/** Every command, by name. */
export const COMMANDS: Record<string, Command> = {
  validate: { summary: 'check workflow files and print every problem', load: () => import('./validate.ts') },
  compile: {
    summary: 'compile a workflow to Amazon States Language (or its report)',
    load: () => import('./compile.ts'),
  },
  graph: { summary: 'print a workflow as a Mermaid flowchart', load: () => import('./graph.ts') },
  test: { summary: "run a workflow's test cases with mocked services", load: () => import('./test.ts') },
  local: { summary: 'run the whole stack on this machine', load: () => loadModule('./local.ts') },
  api: { summary: "call Steward's REST API", load: () => loadModule('./api.ts') },
  dlq: { summary: "inspect and replay Steward's dead-letter queues", load: () => loadModule('./dlq.ts') },
  workflows: {
    summary: 'list, show, validate and deploy workflows (over the API)',
    load: () => import('./resources.ts').then((m) => m.workflows),
  },
  runs: {
    summary: 'start, list, show, pause, resume, cancel and retry runs; their history',
    load: () => import('./resources.ts').then((m) => m.runs),
  },
  services: {
    summary: 'list, show and restart services',
    load: () => import('./resources.ts').then((m) => m.services),
  },
  events: { summary: 'send and list events', load: () => import('./resources.ts').then((m) => m.events) },
  alerts: { summary: 'list and acknowledge alerts', load: () => import('./resources.ts').then((m) => m.alerts) },
  console: {
    summary: 'open the console for a deployed stack, signing its calls with your AWS credentials',
    load: () => import('./console.ts'),
  },
};

/** `steward --help`. */
export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `steward — Steward's command line

Usage: steward <command> [options]
       steward --version

Commands:
${lines.join('\n')}

Run "steward <command> --help" for a command's options.
`;
}
