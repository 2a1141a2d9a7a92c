/**
 * Flags for DynamoDB's thread, the synthesis' and every Lambda environment's. A module of its own, without imports:
 * the synthesis program (lib/local/templates.ts) bundles it.
 */

/** Node's profiling flags, which a thread takes from the process (with their value, given apart or after `=`). */
const PROFILING_FLAG = /^--(cpu|heap)-prof(-dir|-interval)?(=|$)/;

/**
 * The Node flags local mode's threads start with: of the process's own, only the profiling ones, so that
 * `--cpu-prof` profiles every thread. A thread inherits them all by default, and under `npm start` they load tsx's
 * hooks in every thread, which a bundle does not need (and a TypeScript thread registers itself); V8's flags apply
 * to the whole process anyway, and a thread refuses them in its own list.
 */
export function threadExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const match = PROFILING_FLAG.exec(flag);
    if (!match) continue;
    kept.push(flag);
    const takesValue = match[2] !== undefined && match[3] === '';
    if (takesValue && i + 1 < argv.length) kept.push(argv[++i] as string);
  }
  return kept;
}
