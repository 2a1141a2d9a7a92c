import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogFile } from '../../lib/cli/log-file.ts';

const dirs: string[] = [];
const fresh = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'steward-log-'));
  dirs.push(dir);
  return join(dir, 'logs', 'local.log');
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const lines = (file: string): string[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];

describe("steward local's function log", () => {
  it('appends across sessions while under its size', async () => {
    const file = fresh();
    const first = new LogFile(file, 1_000);
    first.write('one');
    await first.close();
    const second = new LogFile(file, 1_000);
    second.write('two');
    await second.close();
    expect(lines(file)).toEqual(['one', 'two']);
    expect(existsSync(`${file}.1`)).toBe(false);
  });

  it('moves a full log to FILE.1 and begins a new one, keeping every line of the last two files in order', async () => {
    const file = fresh();
    const log = new LogFile(file, 100);
    const written = Array.from({ length: 40 }, (_, i) => `line ${String(i).padStart(2, '0')} of the log`);
    for (const line of written) log.write(line);
    await log.close();
    const kept = [...lines(`${file}.1`), ...lines(file)];
    // The newest lines are all there, in order, and the two files hold at most twice the limit.
    expect(kept.length).toBeGreaterThan(0);
    expect(kept).toEqual(written.slice(written.length - kept.length));
    expect(readFileSync(file, 'utf8').length).toBeLessThan(100);
    expect(readFileSync(`${file}.1`, 'utf8').length).toBeLessThanOrEqual(100 + 30);
  });

  it('rotates at start a log that is already over its size', async () => {
    const file = fresh();
    new LogFile(file, 10).close();
    writeFileSync(file, 'an old session, long enough\n');
    const log = new LogFile(file, 10);
    log.write('new');
    await log.close();
    expect(lines(`${file}.1`)).toEqual(['an old session, long enough']);
    expect(lines(file)).toEqual(['new']);
  });
});
