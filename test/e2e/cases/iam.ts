/**
 * End-to-end, local mode only: every AWS call the suite made went through IAM enforcement, and none was refused
 * except the known gaps (test/support/iam-known-gaps.ts); /local/iam reports the enforcement.
 */
import { describe, expect, it } from 'vitest';
import { KNOWN_GAPS } from '../../support/iam-known-gaps.ts';
import { type E2E, isLocal } from '../support/steward.ts';

/** Registers the cases; run them last, after the suite has exercised every path. */
export function iamCases(get: () => E2E): void {
  describe.runIf(isLocal)('IAM in local mode', () => {
    it('authorized every AWS call of the suite against its role, refusing none but the known gaps', async () => {
      const local = get().local!;
      const known = (functions: string[], action: string): boolean =>
        KNOWN_GAPS.preflight.some((gap) => {
          const [id = '', ...rest] = gap.split(':');
          return rest.join(':') === action && functions.some((f) => f.endsWith(`-${id}`));
        });

      const refused = local.iam.denials().filter((d) => !known(d.functions, d.action));

      expect(local.iam.enforcing).toBe(true);
      expect(refused.map((d) => d.message)).toEqual([]);
      expect(local.iam.guard.authorizer.stats().lookups).toBeGreaterThan(100);
    });

    it('reports enforcement, decisions and the accepted create-time findings at /local/iam', async () => {
      const response = await fetch(`${get().url}/local/iam`);
      const body = (await response.json()) as { enforcing: boolean; findings: Array<{ id: string }> };

      expect(response.status).toBe(200);
      expect(body.enforcing).toBe(true);
      expect(body.findings.map((f) => f.id).sort()).toEqual([...KNOWN_GAPS.createTime].sort());
    });
  });
}
