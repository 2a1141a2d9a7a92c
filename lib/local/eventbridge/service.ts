import { randomUUID } from 'node:crypto';
import { type EventPattern, matchesPattern, validatePattern } from '../../core/events/pattern.ts';
import type { BusEvent as CoreBusEvent } from '../../core/routing/bus.ts';
import { AwsError, LOCAL_ACCOUNT, LOCAL_REGION, optionalString, requireString } from '../aws/errors.ts';
import type { JsonOperations } from '../aws/server.ts';
import type { InvokeResult } from '../lambda/types.ts';
import type { LocalScheduler, ScheduleHandle } from '../scheduler.ts';
import { type TargetInput, targetPayload } from './transform.ts';

/** A rule target: where matched events go and in what shape. */
export interface RuleTarget extends TargetInput {
  Id: string;
  Arn: string;
  /** Called with the event and the last error when delivery failed after retries (the target's DLQ). */
  deadLetter?: (payload: unknown, error: string) => void;
}

/** A rule on a bus: an event pattern or a schedule, and its targets. */
export interface Rule {
  Name: string;
  EventBusName: string;
  EventPattern?: EventPattern;
  ScheduleExpression?: string;
  State: 'ENABLED' | 'DISABLED';
  Arn: string;
  targets: Map<string, RuleTarget>;
  schedule?: ScheduleHandle;
}

/** How targets are reached, by the service in the target's ARN. */
export interface TargetInvokers {
  lambda(arn: string, payload: unknown): Promise<InvokeResult>;
  sqs?(arn: string, body: string): Promise<void>;
  stepFunctions?(arn: string, input: string): Promise<void>;
}

/** Options of {@link EventBridgeService}. */
export interface EventBridgeOptions {
  invokers: TargetInvokers;
  /** Runs rules with a `ScheduleExpression`. */
  scheduler?: LocalScheduler;
  /** Delivery attempts per target before the DLQ callback. @default 3 */
  attempts?: number;
  /** Delay between delivery attempts. @default 200 */
  retryDelayMs?: number;
  /** Size of the {@link EventBridgeService.recentEvents} buffer. @default 200 */
  recentLimit?: number;
  /** Delivery failures of targets without their own `deadLetter`. */
  onDeliveryFailure?: (rule: string, target: string, payload: unknown, error: string) => void;
  region?: string;
  account?: string;
}

/** An event as rules see it (the AWS envelope). */
export type BusEvent = CoreBusEvent & Record<string, unknown>;

/**
 * A local EventBridge: buses (default + custom), rules with real event-pattern matching, targets with Input /
 * InputPath / InputTransformer, asynchronous delivery with retries and a DLQ callback, and a recent-events buffer.
 */
export class EventBridgeService {
  private readonly buses = new Map<string, Map<string, Rule>>([['default', new Map()]]);
  private readonly recent: Array<{ bus: string; event: BusEvent; matchedRules: string[] }> = [];
  private readonly deliveries = new Set<Promise<void>>();
  private readonly region: string;
  private readonly account: string;

  constructor(private readonly options: EventBridgeOptions) {
    this.region = options.region ?? LOCAL_REGION;
    this.account = options.account ?? LOCAL_ACCOUNT;
  }

  /** Creates a bus (idempotent). */
  createBus(name: string): string {
    if (!this.buses.has(name)) this.buses.set(name, new Map());
    return this.busArn(name);
  }

  /** Adds or replaces a rule with its targets (the assembly's entry point). */
  addRule(rule: {
    name: string;
    bus?: string;
    pattern?: EventPattern;
    schedule?: string;
    targets: RuleTarget[];
    enabled?: boolean;
  }): Rule {
    const busName = rule.bus ?? 'default';
    const rules = this.buses.get(busName);
    if (!rules) throw new AwsError('ResourceNotFoundException', `Event bus ${busName} does not exist.`);
    if (!rule.pattern && !rule.schedule)
      throw new AwsError('ValidationException', 'A rule needs an EventPattern or a ScheduleExpression');
    if (rule.pattern) {
      const problem = validatePattern(rule.pattern);
      if (problem) throw new AwsError('InvalidEventPatternException', `Event pattern is not valid: ${problem}`);
    }
    rules.get(rule.name)?.schedule?.stop();
    const created: Rule = {
      Name: rule.name,
      EventBusName: busName,
      EventPattern: rule.pattern,
      ScheduleExpression: rule.schedule,
      State: rule.enabled === false ? 'DISABLED' : 'ENABLED',
      Arn: `arn:aws:events:${this.region}:${this.account}:rule/${busName === 'default' ? '' : `${busName}/`}${rule.name}`,
      targets: new Map(rule.targets.map((t) => [t.Id, t])),
    };
    if (rule.schedule) {
      if (!this.options.scheduler)
        throw new AwsError('ValidationException', 'No scheduler configured for ScheduleExpression');
      try {
        created.schedule = this.options.scheduler.add(rule.name, rule.schedule, undefined, (_input, time) => {
          if (created.State === 'ENABLED')
            this.deliverToRule(
              created,
              this.envelope(
                { Source: 'aws.events', DetailType: 'Scheduled Event', Detail: '{}', Resources: [created.Arn] },
                time,
              ),
            );
        });
      } catch (error) {
        throw new AwsError(
          'ValidationException',
          `Parameter ScheduleExpression is not valid: ${(error as Error).message}`,
        );
      }
    }
    rules.set(rule.name, created);
    return created;
  }

  /** PutEvents entries → envelopes matched against the bus's rules; returns the event ids. */
  putEvents(
    entries: Array<Record<string, unknown>>,
  ): Array<{ EventId?: string; ErrorCode?: string; ErrorMessage?: string }> {
    return entries.map((entry) => {
      const busName = String(entry.EventBusName ?? 'default').replace(/^arn:aws:events:[^:]*:\d*:event-bus\//, '');
      const rules = this.buses.get(busName);
      if (!rules)
        return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busName} does not exist.` };
      if (
        typeof entry.Source !== 'string' ||
        typeof entry.DetailType !== 'string' ||
        typeof entry.Detail !== 'string'
      ) {
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source, DetailType and Detail are required' };
      }
      let event: BusEvent;
      try {
        event = this.envelope(entry, entry.Time instanceof Date ? entry.Time : undefined);
      } catch {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
      }
      const matched = [...rules.values()].filter(
        (r) => r.State === 'ENABLED' && r.EventPattern && matchesPattern(r.EventPattern, event),
      );
      this.recent.push({ bus: busName, event, matchedRules: matched.map((r) => r.Name) });
      if (this.recent.length > (this.options.recentLimit ?? 200)) this.recent.shift();
      for (const rule of matched) this.deliverToRule(rule, event);
      return { EventId: event.id };
    });
  }

  /** The last events put on any bus, oldest first, with the rules they matched. */
  recentEvents(): Array<{ bus: string; event: BusEvent; matchedRules: string[] }> {
    return [...this.recent];
  }

  /**
   * Waits for in-flight deliveries, and those they lead to, for at most `timeoutMs` (default: no limit). Resolves
   * true when none is left, false when the time ran out first (runs still going keep publishing).
   */
  async drain(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve('expired'), timeoutMs);
    });
    try {
      while (this.deliveries.size > 0) {
        if ((await Promise.race([Promise.allSettled([...this.deliveries]), expired])) === 'expired') return false;
      }
      return true;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops scheduled rules. */
  close(): void {
    for (const rules of this.buses.values()) for (const r of rules.values()) r.schedule?.stop();
  }

  private envelope(entry: Record<string, unknown>, time?: Date): BusEvent {
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': String(entry.DetailType),
      source: String(entry.Source),
      account: this.account,
      time: (time ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.region,
      resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
      detail: JSON.parse(String(entry.Detail)),
    };
  }

  private deliverToRule(rule: Rule, event: BusEvent): void {
    for (const target of rule.targets.values()) {
      const p = this.deliver(rule, target, event);
      this.deliveries.add(p);
      void p.finally(() => this.deliveries.delete(p));
    }
  }

  private async deliver(rule: Rule, target: RuleTarget, event: BusEvent): Promise<void> {
    let payload: unknown;
    let lastError = '';
    try {
      payload = targetPayload(target, event, { name: rule.Name, arn: rule.Arn });
    } catch (error) {
      payload = event;
      lastError = `input transformation failed: ${(error as Error).message}`;
    }
    const attempts = lastError ? 0 : (this.options.attempts ?? 3);
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, this.options.retryDelayMs ?? 200));
      try {
        lastError = await this.send(target.Arn, payload);
        if (!lastError) return;
      } catch (error) {
        lastError = (error as Error).message;
      }
    }
    if (target.deadLetter) target.deadLetter(payload, lastError);
    else this.options.onDeliveryFailure?.(rule.Name, target.Id, payload, lastError);
  }

  /** Sends to one target; returns an error message, or '' on success. */
  private async send(arn: string, payload: unknown): Promise<string> {
    const { invokers } = this.options;
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    if (arn.startsWith('arn:aws:lambda:')) {
      const result = await invokers.lambda(arn, payload);
      return result.ok ? '' : `${result.errorType}: ${result.errorMessage}`;
    }
    if (arn.startsWith('arn:aws:sqs:') && invokers.sqs) {
      await invokers.sqs(arn, text);
      return '';
    }
    if (arn.startsWith('arn:aws:states:') && invokers.stepFunctions) {
      await invokers.stepFunctions(arn, text);
      return '';
    }
    return `target ${arn} is not supported locally`;
  }

  private busArn(name: string): string {
    return `arn:aws:events:${this.region}:${this.account}:event-bus/${name}`;
  }

  private rules(busName: unknown): Map<string, Rule> {
    const name = typeof busName === 'string' ? busName.replace(/^arn:aws:events:[^:]*:\d*:event-bus\//, '') : 'default';
    const rules = this.buses.get(name);
    if (!rules) throw new AwsError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    return rules;
  }

  /** The JSON operations for the endpoint. */
  operations(): JsonOperations {
    const describe = (r: Rule) => ({
      Name: r.Name,
      Arn: r.Arn,
      EventBusName: r.EventBusName,
      EventPattern: r.EventPattern ? JSON.stringify(r.EventPattern) : undefined,
      ScheduleExpression: r.ScheduleExpression,
      State: r.State,
    });
    const ruleOf = (i: Record<string, unknown>): Rule => {
      const rule = this.rules(i.EventBusName).get(requireString(i, 'Rule'));
      if (!rule) throw new AwsError('ResourceNotFoundException', `Rule ${String(i.Rule)} does not exist.`);
      return rule;
    };
    return {
      PutEvents: (i) => {
        if (!Array.isArray(i.Entries) || i.Entries.length === 0 || i.Entries.length > 10) {
          throw new AwsError('ValidationException', 'Entries must hold 1 to 10 entries');
        }
        const results = this.putEvents(i.Entries as Array<Record<string, unknown>>);
        return { Entries: results, FailedEntryCount: results.filter((r) => r.ErrorCode).length };
      },
      PutRule: (i) => {
        const name = requireString(i, 'Name');
        let pattern: EventPattern | undefined;
        if (i.EventPattern !== undefined) {
          try {
            pattern = JSON.parse(requireString(i, 'EventPattern')) as EventPattern;
          } catch {
            throw new AwsError('InvalidEventPatternException', 'Event pattern is not valid JSON');
          }
        }
        const bus =
          typeof i.EventBusName === 'string'
            ? i.EventBusName.replace(/^arn:aws:events:[^:]*:\d*:event-bus\//, '')
            : 'default';
        const existing = this.buses.get(bus)?.get(name);
        const rule = this.addRule({
          name,
          bus,
          pattern,
          schedule: optionalString(i, 'ScheduleExpression'),
          targets: existing ? [...existing.targets.values()] : [],
          enabled: i.State !== 'DISABLED',
        });
        return { RuleArn: rule.Arn };
      },
      DescribeRule: (i) => describe(ruleOf({ ...i, Rule: i.Name })),
      ListRules: (i) => ({
        Rules: [...this.rules(i.EventBusName).values()]
          .filter((r) => typeof i.NamePrefix !== 'string' || r.Name.startsWith(i.NamePrefix))
          .map(describe),
      }),
      DeleteRule: (i) => {
        const rule = ruleOf({ ...i, Rule: i.Name });
        if (rule.targets.size > 0 && i.Force !== true)
          throw new AwsError('ValidationException', "Rule can't be deleted since it has targets.");
        rule.schedule?.stop();
        this.rules(i.EventBusName).delete(rule.Name);
        return {};
      },
      PutTargets: (i) => {
        const rule = ruleOf(i);
        for (const t of (Array.isArray(i.Targets) ? i.Targets : []) as RuleTarget[]) rule.targets.set(t.Id, t);
        return { FailedEntryCount: 0, FailedEntries: [] };
      },
      RemoveTargets: (i) => {
        const rule = ruleOf(i);
        for (const id of (Array.isArray(i.Ids) ? i.Ids : []) as string[]) rule.targets.delete(id);
        return { FailedEntryCount: 0, FailedEntries: [] };
      },
      ListTargetsByRule: (i) => ({
        Targets: [...ruleOf(i).targets.values()].map(({ deadLetter: _dlq, ...t }) => t),
      }),
      CreateEventBus: (i) => ({ EventBusArn: this.createBus(requireString(i, 'Name')) }),
      DescribeEventBus: (i) => {
        const name = typeof i.Name === 'string' ? i.Name : 'default';
        this.rules(name);
        return { Name: name, Arn: this.busArn(name) };
      },
      ListEventBuses: () => ({ EventBuses: [...this.buses.keys()].map((n) => ({ Name: n, Arn: this.busArn(n) })) }),
      TestEventPattern: (i) => {
        let pattern: unknown;
        let event: unknown;
        try {
          pattern = JSON.parse(requireString(i, 'EventPattern'));
          event = JSON.parse(requireString(i, 'Event'));
        } catch {
          throw new AwsError('InvalidEventPatternException', 'EventPattern and Event must be JSON');
        }
        const problem = validatePattern(pattern);
        if (problem) throw new AwsError('InvalidEventPatternException', problem);
        return { Result: matchesPattern(pattern as EventPattern, event) };
      },
    };
  }
}
