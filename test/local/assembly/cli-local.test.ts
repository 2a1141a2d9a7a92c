/** `steward local`'s IAM options and what it prints about them. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { guide, help, run } from '../../../lib/cli/local.ts';
import type { LocalSteward } from '../../../lib/local/runtime.ts';

describe('steward local and IAM', () => {
  afterEach(() => vi.restoreAllMocks());

  it('documents --iam and --accept-finding, and refuses an --iam value other than on/off', async () => {
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });

    const code = await run(['--iam', 'maybe']);

    expect(help).toContain('--iam on|off');
    expect(help).toContain('--accept-finding ID');
    expect(code).toBe(1);
    expect(stderr.join('')).toContain("--iam must be 'on' or 'off', got 'maybe'");
  });

  it("prints whether IAM is enforced and the operator key for the user's own tools", () => {
    const steward = {
      urls: { api: 'http://127.0.0.1:4500', aws: 'http://127.0.0.1:4501', dynamodb: 'http://127.0.0.1:4502' },
      wiring: { functions: [], stateMachines: [], rules: [], schedules: [] },
      iam: { enforcing: true, operator: { accessKeyId: 'LOCALOPERATOR', secretAccessKey: 's3cr3t' } },
      startedInMs: 1000,
    } as unknown as LocalSteward;

    const text = guide(steward);

    expect(text).toContain('IAM             enforced');
    expect(text).toContain('AWS_ACCESS_KEY_ID=LOCALOPERATOR AWS_SECRET_ACCESS_KEY=s3cr3t');
    expect(guide({ ...steward, iam: { ...steward.iam, enforcing: false } } as LocalSteward)).toContain(
      'off (--iam off)',
    );
  });
});
