import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as compile } from '../../../lib/cli/compile.ts';
import { run as graph } from '../../../lib/cli/graph.ts';
import { run as validate } from '../../../lib/cli/validate.ts';
import { EXAMPLES_DIR } from './helpers.ts';

function capture(): {
  io: { out: (t: string) => void; err: (t: string) => void };
  out: () => string;
  err: () => string;
} {
  let out = '';
  let err = '';
  return { io: { out: (t) => (out += t), err: (t) => (err += t) }, out: () => out, err: () => err };
}

const seed = join(EXAMPLES_DIR, 'agent-task-execution.json');

describe('steward CLI commands', () => {
  it('validate prints OK for valid files and exits 0', async () => {
    const c = capture();

    const code = await validate(
      [seed, join(EXAMPLES_DIR, 'sub-workflow.json'), join(EXAMPLES_DIR, 'sequential.json'), '--known-workflows'],
      c.io,
    );

    expect(code).toBe(0);
    expect(c.out()).toContain('agent-task-execution.json: OK');
  });

  it('validate prints file: path: message per problem and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-cli-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        name: 'x',
        definition: {
          steps: [{ name: 'a', step_type: 'service_call', service: 's', endpoint: '/a', depends_on: ['nope'] }],
        },
      }),
    );
    const c = capture();

    const code = await validate([bad], c.io);

    expect(code).toBe(1);
    expect(c.out()).toBe(`${bad}: definition.steps[0].depends_on[0]: no step named "nope"; steps in this list: a\n`);
  });

  it('validate and compile read a file saved with a byte order mark like one without', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-cli-'));
    const withBom = join(dir, 'bom.json');
    writeFileSync(withBom, `\uFEFF${readFileSync(seed, 'utf8')}`);
    const checked = capture();
    const compiled = capture();
    const plain = capture();

    expect(await validate([withBom], checked.io)).toBe(0);
    expect(checked.out()).toBe(`${withBom}: OK\n`);
    expect(await compile([withBom], compiled.io)).toBe(0);
    expect(await compile([seed], plain.io)).toBe(0);
    expect(compiled.out()).toBe(plain.out());
  });

  it('a byte order mark anywhere but first is still not JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-cli-'));
    const twice = join(dir, 'twice.json');
    writeFileSync(twice, `\uFEFF\uFEFF${readFileSync(seed, 'utf8')}`);
    const c = capture();

    expect(await validate([twice], c.io)).toBe(1);
    expect(c.out()).toContain(`${twice}: (document): not valid JSON`);
  });

  it('compile prints ASL, or the report with --report', async () => {
    const asl = capture();
    const report = capture();

    expect(await compile([seed], asl.io)).toBe(0);
    expect(await compile([seed, '--report'], report.io)).toBe(0);

    expect(JSON.parse(asl.out()).StartAt).toBe('task_preparation');
    expect(JSON.parse(report.out()).transitions.happy_path).toBe(4);
  });

  it('graph prints a Mermaid flowchart', async () => {
    const c = capture();

    const code = await graph([seed], c.io);

    expect(code).toBe(0);
    expect(c.out()).toMatch(/^flowchart TD\n/);
    expect(c.out()).toContain('s_task_preparation --> s_agent_assignment');
  });

  it.each([
    ['validate', validate],
    ['compile', compile],
    ['graph', graph],
  ] as const)('%s --help prints usage', async (name, command) => {
    const c = capture();

    const code = await command(['--help'], c.io);

    expect(code).toBe(0);
    expect(c.out()).toContain(`steward ${name}`);
  });
});
