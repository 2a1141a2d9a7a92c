/**
 * A Vitest reporter that records, for every finished test, how long it took against its own timeout. The soak run
 * (`npm run test:soak`) reads these files to show the slowest tests and their margins: a test that needs more than
 * half its timeout on a busy machine is one bad day away from flaking.
 *
 * Active only when `STEWARD_MARGINS` names the JSON file to write.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Reporter, TestCase, Vitest } from 'vitest/node';

/** One test's duration against its timeout. */
export interface TestMargin {
  readonly file: string;
  readonly name: string;
  readonly state: string;
  readonly durationMs: number;
  readonly timeoutMs: number;
  /** durationMs ÷ timeoutMs. */
  readonly ratio: number;
}

export default class MarginReporter implements Reporter {
  private readonly margins: TestMargin[] = [];
  private defaultTimeoutMs = 5_000;

  onInit(vitest: Vitest): void {
    this.defaultTimeoutMs = vitest.config.testTimeout;
  }

  onTestCaseResult(testCase: TestCase): void {
    const result = testCase.result();
    if (result.state === 'skipped' || result.state === 'pending') return;
    const durationMs = Math.round(testCase.diagnostic()?.duration ?? 0);
    const timeoutMs = testCase.options.timeout ?? this.defaultTimeoutMs;
    this.margins.push({
      file: testCase.module.moduleId.replace(`${process.cwd()}/`, ''),
      name: testCase.fullName,
      state: result.state,
      durationMs,
      timeoutMs,
      ratio: Math.round((durationMs / timeoutMs) * 1000) / 1000,
    });
  }

  onTestRunEnd(): void {
    const path = process.env.STEWARD_MARGINS;
    if (!path) return;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(this.margins, null, 2)}\n`);
  }
}
