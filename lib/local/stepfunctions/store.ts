/**
 * Durable state of the local Step Functions endpoint (`steward local --data DIR`), in `DIR/stepfunctions/`:
 *
 * - `machines.json`: the state machines with their versions and aliases, rewritten whole on every change (they
 *   change rarely) through a temporary file and a rename, so a reader sees the old or the new file, never half;
 * - `executions.jsonl`: an append-only journal, one JSON object a line: an execution's start (`start`), each of its
 *   history events (`event`), each task token it waits on (`token`), and each definition once (`definition`, by
 *   hash, so a thousand runs of one workflow store it once). Everything else (status, output, redrive count, where
 *   a redrive starts) is derived from the history on load, exactly as it was derived while running.
 *
 * Writes are plain `write(2)` calls without fsync: the kernel keeps them when the process is killed (SIGKILL, a
 * crash), which is what local mode promises; a power cut may lose the last lines. A line cut short by a kill is
 * dropped on load and the file is truncated to its last complete line before anything is appended.
 *
 * Retention, as Step Functions keeps a Standard execution's history for 90 days after it closes: on load, executions
 * closed longer ago than that are left out, and when there were any the journal is rewritten without them (and
 * without definitions no remaining execution uses), through a temporary file and a rename, before anything is
 * appended. So a data folder used for months holds what AWS would still show, not every run it ever made.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { closedAfter, closingStatus, type HistoryEvent, takesEvent } from './history.ts';

/** What an execution was started with: the fields its history does not hold. */
export interface StoredStart {
  executionArn: string;
  stateMachineArn: string;
  stateMachineVersionArn?: string;
  stateMachineAliasArn?: string;
  stateMachineName: string;
  name: string;
  roleArn: string;
  startDate: number;
  input: string;
  /** Hash of the definition (a `definition` line). */
  definition: string;
}

/** A task token an execution waits on, with the state that created it. */
export interface StoredToken {
  token: string;
  state: string;
  at: number;
}

/** An execution as the journal holds it. */
export interface StoredExecution {
  start: StoredStart;
  definition: string;
  events: HistoryEvent[];
  tokens: StoredToken[];
}

type Line =
  | { kind: 'definition'; hash: string; text: string }
  | { kind: 'start'; start: StoredStart }
  | { kind: 'event'; arn: string; event: HistoryEvent }
  | { kind: 'token'; arn: string; token: string; state: string; at: number };

/** How long Step Functions keeps a Standard execution's history after it closes. */
export const CLOSED_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;

/** When an execution closed (epoch ms), or undefined while it is open. */
export function closedAt(events: readonly HistoryEvent[]): number | undefined {
  let at: number | undefined;
  for (const event of events) {
    if (closingStatus(event.type)) at = event.timestamp * 1000;
    else if (event.type === 'ExecutionRedriven') at = undefined;
  }
  return at;
}

/** Reads and appends the files described in the module comment. */
export class ExecutionStore {
  private readonly machinesFile: string;
  private readonly journalFile: string;
  private fd: number | undefined;
  private closed = false;
  private readonly definitions = new Set<string>();

  /** @param now the clock retention is judged by (tests move it). */
  constructor(
    readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(dir, { recursive: true });
    this.machinesFile = join(dir, 'machines.json');
    this.journalFile = join(dir, 'executions.jsonl');
  }

  /** The saved registry (see {@link MachineRegistry.toJSON}), or undefined before the first save. */
  loadMachines(): unknown {
    if (!existsSync(this.machinesFile)) return undefined;
    return JSON.parse(readFileSync(this.machinesFile, 'utf8')) as unknown;
  }

  /** Replaces the saved registry atomically. */
  saveMachines(value: unknown): void {
    const tmp = `${this.machinesFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, this.machinesFile);
  }

  /**
   * Every execution of the journal still within its retention, in start order. Opens the journal for appending, cut
   * back to its last complete line first, or rewritten without the executions past their retention.
   */
  loadExecutions(): StoredExecution[] {
    const buffer = existsSync(this.journalFile) ? readFileSync(this.journalFile) : Buffer.alloc(0);
    const complete = buffer.lastIndexOf(0x0a) + 1;
    if (complete < buffer.length) truncateSync(this.journalFile, complete);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    const all = this.parse(buffer.subarray(0, complete));
    const horizon = this.now() - CLOSED_RETENTION_MS;
    const kept = all.filter((e) => (closedAt(e.events) ?? Number.POSITIVE_INFINITY) >= horizon);
    if (kept.length < all.length) this.rewrite(kept);
    this.fd = openSync(this.journalFile, 'a');
    return kept;
  }

  /** The journal's executions (every complete line; the definitions seen are remembered). */
  private parse(journal: Buffer): StoredExecution[] {
    this.definitions.clear();
    const texts = new Map<string, string>();
    const executions = new Map<string, StoredExecution>();
    const closed = new Set<string>();
    for (const raw of journal.toString('utf8').split('\n')) {
      if (raw.length === 0) continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        continue; // only a torn line can be malformed, and it was cut off above; skip defensively
      }
      if (line.kind === 'definition') {
        texts.set(line.hash, line.text);
        this.definitions.add(line.hash);
      } else if (line.kind === 'start') {
        const definition = texts.get(line.start.definition);
        if (definition === undefined) continue;
        executions.set(line.start.executionArn, { start: line.start, definition, events: [], tokens: [] });
      } else if (line.kind === 'event') {
        const events = executions.get(line.arn)?.events;
        if (events === undefined) continue;
        // A journal written before closed histories refused events may hold some after a closing event: they are
        // dropped, and the events kept numbered in order.
        if (!takesEvent(closed.has(line.arn), line.event.type)) continue;
        if (closedAfter(closed.has(line.arn), line.event.type)) closed.add(line.arn);
        else closed.delete(line.arn);
        events.push({ ...line.event, id: events.length + 1, previousEventId: events.length });
      } else if (line.kind === 'token') {
        executions.get(line.arn)?.tokens.push({ token: line.token, state: line.state, at: line.at });
      }
    }
    return [...executions.values()];
  }

  /**
   * Replaces the journal with `executions` alone (each definition once, then each execution's start, events and
   * tokens), atomically: a kill during the rewrite leaves the old journal, whole.
   */
  private rewrite(executions: readonly StoredExecution[]): void {
    const lines: string[] = [];
    this.definitions.clear();
    for (const e of executions) {
      if (!this.definitions.has(e.start.definition)) {
        this.definitions.add(e.start.definition);
        lines.push(JSON.stringify({ kind: 'definition', hash: e.start.definition, text: e.definition } satisfies Line));
      }
      lines.push(JSON.stringify({ kind: 'start', start: e.start } satisfies Line));
      const arn = e.start.executionArn;
      for (const event of e.events) lines.push(JSON.stringify({ kind: 'event', arn, event } satisfies Line));
      for (const t of e.tokens) {
        lines.push(JSON.stringify({ kind: 'token', arn, token: t.token, state: t.state, at: t.at } satisfies Line));
      }
    }
    const tmp = `${this.journalFile}.${process.pid}.tmp`;
    writeFileSync(tmp, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
    renameSync(tmp, this.journalFile);
  }

  /** Records a new execution (and its definition, the first time it is seen). */
  start(start: Omit<StoredStart, 'definition'>, definition: string): void {
    const hash = createHash('sha256').update(definition).digest('base64url');
    if (!this.definitions.has(hash)) {
      this.append({ kind: 'definition', hash, text: definition });
      this.definitions.add(hash);
    }
    this.append({ kind: 'start', start: { ...start, definition: hash } });
  }

  /** Records a history event of an execution. */
  event(arn: string, event: HistoryEvent): void {
    this.append({ kind: 'event', arn, event });
  }

  /** Records a task token an execution waits on. */
  token(arn: string, token: string, state: string): void {
    this.append({ kind: 'token', arn, token, state, at: Date.now() });
  }

  /**
   * Closes the journal; what runs still do in memory afterwards is not recorded, so they are read back as they were
   * when local mode stopped, like after a kill.
   */
  close(): void {
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private append(line: Line): void {
    if (this.closed) return;
    if (this.fd === undefined) this.loadExecutions();
    // One write call per line: a kill leaves at most the last line torn, never two lines interleaved.
    const fd = this.fd as number;
    const text = Buffer.from(`${JSON.stringify(line)}\n`);
    let written = 0;
    while (written < text.length) written += writeSync(fd, text, written, text.length - written);
  }
}
