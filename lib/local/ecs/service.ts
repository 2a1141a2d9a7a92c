import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { constants } from 'node:os';
import { AwsError, LOCAL_ACCOUNT, LOCAL_REGION, requireString } from '../aws/errors.ts';
import type { JsonOperations } from '../aws/server.ts';
import { portOpen, signal, spawnService, stopProcess, waitForPort } from './process.ts';

/** A managed service run as a local process. */
export interface LocalServiceDefinition {
  cluster: string;
  name: string;
  /** Executable and arguments, e.g. `['node', 'samples/orders.js']`. */
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Port the process listens on; a task counts as running once it accepts connections. */
  port: number;
  /** Services that must be running first. */
  dependsOn?: string[];
  /** @default 1 */
  desiredCount?: 0 | 1;
}

/** Options of {@link EcsService}. */
export interface EcsOptions {
  /** Every output line of every service process. */
  onOutput?: (service: string, stream: 'stdout' | 'stderr', line: string) => void;
  /** How long a new task may take to accept connections. @default 10000 */
  readyTimeoutMs?: number;
  /** Delay before the scheduler replaces a stopped task (ECS takes seconds). @default 1000 */
  replaceDelayMs?: number;
  /** SIGTERM → SIGKILL grace. @default 3000 */
  stopGraceMs?: number;
  /** Stop all children on SIGINT/SIGTERM of this process, then exit. @default true */
  handleSignals?: boolean;
  /**
   * Task state changes as PutEvents entries, as ECS sends them to the account's default bus ("ECS Task State
   * Change", source `aws.ecs`): a task running, a task stopped with its stop code, reason and exit code.
   */
  onTaskStateChange?: (entry: Record<string, unknown>) => void;
  region?: string;
  account?: string;
}

interface Task {
  arn: string;
  child: ChildProcess;
  lastStatus: 'PROVISIONING' | 'RUNNING' | 'STOPPED';
  desiredStatus: 'RUNNING' | 'STOPPED';
  startedAt?: Date;
  stoppedAt?: Date;
  stoppedReason?: string;
  /** ECS's stop code: EssentialContainerExited, UserInitiated, ServiceSchedulerInitiated. */
  stopCode?: string;
  exitCode?: number | null;
  createdAt: Date;
  /** Incremented on every state change (the event's `version`). */
  version: number;
  /** Set when Steward (not the process) ended the task, so the exit is not reported as a crash. */
  stopping: boolean;
}

interface Managed {
  def: LocalServiceDefinition;
  arn: string;
  clusterArn: string;
  desiredCount: 0 | 1;
  tasks: Task[];
  events: Array<{ id: string; createdAt: Date; message: string }>;
  deploymentId: string;
  deploymentUpdatedAt: Date;
  replaceTimer?: NodeJS.Timeout;
}

/**
 * An ECS-compatible control plane whose services are local child processes: dependency-ordered start,
 * UpdateService (force new deployment, desired count 0/1), StopTask with replacement, crash detection, and
 * DescribeServices / ListTasks / DescribeTasks / ListServices / ListClusters in the AWS shapes.
 */
export class EcsService {
  private readonly services = new Map<string, Managed>();
  private closing = false;
  private readonly killAll = (): void => {
    for (const s of this.services.values()) for (const t of s.tasks) signal(t.child, 'SIGKILL');
  };
  private readonly onSignal = (sig: NodeJS.Signals): void => {
    void this.close().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };

  constructor(private readonly options: EcsOptions = {}) {
    process.on('exit', this.killAll);
    if (options.handleSignals ?? true) {
      process.once('SIGINT', this.onSignal);
      process.once('SIGTERM', this.onSignal);
    }
  }

  /** Declares a service (not started until {@link start}). */
  defineService(def: LocalServiceDefinition): void {
    const region = this.options.region ?? LOCAL_REGION;
    const account = this.options.account ?? LOCAL_ACCOUNT;
    this.services.set(def.name, {
      def,
      arn: `arn:aws:ecs:${region}:${account}:service/${def.cluster}/${def.name}`,
      clusterArn: `arn:aws:ecs:${region}:${account}:cluster/${def.cluster}`,
      desiredCount: def.desiredCount ?? 1,
      tasks: [],
      events: [],
      deploymentId: `ecs-svc/${randomUUID()}`,
      deploymentUpdatedAt: new Date(),
    });
  }

  /** Starts every service in dependency order, each waiting for its dependencies' ports. Rejects on a cycle. */
  async start(): Promise<void> {
    for (const name of this.order()) {
      const s = this.services.get(name);
      if (s && s.desiredCount === 1 && !this.running(s)) await this.launch(s);
    }
  }

  /** The pid of a service's running task (tests, status page). */
  pidOf(service: string): number | undefined {
    const s = this.services.get(service);
    return s ? this.running(s)?.child.pid : undefined;
  }

  /**
   * Ids of a service's running tasks (the last part of their ARNs): what ECS registers with the service's Cloud Map
   * services, from the moment a task runs until it stops.
   */
  runningTaskIds(service: string): string[] {
    const s = this.services.get(service);
    return (s?.tasks ?? []).filter((t) => t.lastStatus === 'RUNNING').map((t) => t.arn.split('/').pop() ?? t.arn);
  }

  /** Stops every process (SIGTERM, then SIGKILL after the grace period). */
  async close(): Promise<void> {
    this.closing = true;
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    const stops: Promise<void>[] = [];
    for (const s of this.services.values()) {
      clearTimeout(s.replaceTimer);
      for (const t of s.tasks) {
        t.stopping = true;
        stops.push(stopProcess(t.child, this.options.stopGraceMs ?? 3000));
      }
    }
    await Promise.all(stops);
    process.off('exit', this.killAll);
  }

  private order(): string[] {
    const out: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string, path: string[]): void => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') throw new Error(`dependency cycle: ${[...path, name].join(' -> ')}`);
      const s = this.services.get(name);
      if (!s) throw new Error(`unknown dependency '${name}' of ${path.at(-1)}`);
      state.set(name, 'visiting');
      for (const dep of s.def.dependsOn ?? []) visit(dep, [...path, name]);
      state.set(name, 'done');
      out.push(name);
    };
    for (const name of this.services.keys()) visit(name, []);
    return out;
  }

  private running(s: Managed): Task | undefined {
    return s.tasks.find((t) => t.lastStatus !== 'STOPPED');
  }

  private event(s: Managed, message: string): void {
    s.events.unshift({ id: randomUUID(), createdAt: new Date(), message: `(service ${s.def.name}) ${message}` });
    s.events.length = Math.min(s.events.length, 100);
  }

  private async launch(s: Managed): Promise<Task> {
    const id = randomUUID().replace(/-/g, '');
    const child = spawnService(s.def.command, s.def.cwd, s.def.env ?? {}, (stream, line) =>
      this.options.onOutput?.(s.def.name, stream, line),
    );
    const task: Task = {
      arn: `${s.clusterArn.replace(':cluster/', ':task/')}/${id}`,
      child,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      stopping: false,
      createdAt: new Date(),
      version: 1,
    };
    s.tasks.push(task);
    s.tasks = s.tasks.slice(-20);
    this.event(s, `has started 1 tasks: (task ${id}).`);
    child.once('exit', (code, sig) => this.onExit(s, task, code, sig));
    const ready = await waitForPort(s.def.port, child, this.options.readyTimeoutMs ?? 10_000);
    if (task.lastStatus === 'STOPPED') return task;
    if (!ready) {
      // As ECS replaces a task whose container health check keeps failing.
      task.stopping = true;
      task.stopCode = 'ServiceSchedulerInitiated';
      task.stoppedReason = `Task failed container health checks (no connection on port ${s.def.port})`;
      await stopProcess(child, this.options.stopGraceMs ?? 3000);
      return task;
    }
    task.lastStatus = 'RUNNING';
    task.startedAt = new Date();
    task.version++;
    this.event(s, 'has reached a steady state.');
    this.publish(s, task);
    return task;
  }

  private onExit(s: Managed, task: Task, code: number | null, sig: NodeJS.Signals | null): void {
    task.lastStatus = 'STOPPED';
    task.desiredStatus = 'STOPPED';
    task.stoppedAt = new Date();
    // A container killed by a signal exits with 128 + the signal's number, as Docker reports it.
    task.exitCode = code ?? (sig ? 128 + (constants.signals[sig] ?? 0) : null);
    task.version++;
    if (!task.stopping) {
      task.stopCode = 'EssentialContainerExited';
      task.stoppedReason = `Essential container in task exited (code ${code ?? sig})`;
      this.event(s, `task ${task.arn.split('/').pop()} stopped: ${task.stoppedReason}`);
    }
    // Local mode shutting down is not a task stop anyone should count.
    if (!this.closing) this.publish(s, task);
    this.scheduleReplacement(s);
  }

  /** Sends the task's state to the default bus, as ECS does on every task state change. */
  private publish(s: Managed, t: Task): void {
    const at = (d: Date | undefined): string | undefined => d?.toISOString();
    this.options.onTaskStateChange?.({
      Source: 'aws.ecs',
      DetailType: 'ECS Task State Change',
      Resources: [t.arn],
      Time: new Date(),
      Detail: JSON.stringify({
        taskArn: t.arn,
        clusterArn: s.clusterArn,
        taskDefinitionArn: `${s.clusterArn.split(':cluster/')[0]}:task-definition/${s.def.name}:1`,
        group: `service:${s.def.name}`,
        launchType: 'FARGATE',
        lastStatus: t.lastStatus,
        desiredStatus: t.desiredStatus,
        createdAt: at(t.createdAt),
        startedAt: at(t.startedAt),
        stoppedAt: at(t.stoppedAt),
        stopCode: t.stopCode,
        stoppedReason: t.stoppedReason,
        version: t.version,
        containers: [
          {
            name: s.def.name,
            taskArn: t.arn,
            lastStatus: t.lastStatus,
            exitCode: t.exitCode ?? undefined,
            runtimeId: String(t.child.pid),
          },
        ],
      }),
    });
  }

  /** Like ECS's scheduler: keep the running count at the desired count, after a short delay. */
  private scheduleReplacement(s: Managed): void {
    if (this.closing || s.desiredCount === 0 || this.running(s) || s.replaceTimer) return;
    s.replaceTimer = setTimeout(() => {
      s.replaceTimer = undefined;
      if (!this.closing && s.desiredCount === 1 && !this.running(s)) void this.launch(s);
    }, this.options.replaceDelayMs ?? 1000);
  }

  private async stopTask(
    s: Managed,
    task: Task,
    reason: string,
    stopCode: 'UserInitiated' | 'ServiceSchedulerInitiated',
  ): Promise<void> {
    task.stopping = true;
    task.desiredStatus = 'STOPPED';
    task.stopCode = stopCode;
    task.stoppedReason = reason;
    this.event(s, `has stopped 1 running tasks: (task ${task.arn.split('/').pop()}).`);
    await stopProcess(task.child, this.options.stopGraceMs ?? 3000);
  }

  private find(cluster: unknown, service: unknown): Managed {
    const name = String(service).split('/').pop() ?? '';
    const s = this.services.get(name);
    const clusterName = typeof cluster === 'string' ? (cluster.split('/').pop() ?? 'default') : 'default';
    if (!s || (cluster !== undefined && s.def.cluster !== clusterName)) {
      throw new AwsError('ServiceNotFoundException', `Service not found: ${String(service)}`);
    }
    return s;
  }

  private clusterServices(cluster: unknown): Managed[] {
    const name = typeof cluster === 'string' ? (cluster.split('/').pop() ?? 'default') : 'default';
    const list = [...this.services.values()].filter((s) => s.def.cluster === name);
    if (list.length === 0) throw new AwsError('ClusterNotFoundException', `Cluster not found: ${name}`);
    return list;
  }

  private describeService(s: Managed): Record<string, unknown> {
    const runningCount = s.tasks.filter((t) => t.lastStatus === 'RUNNING').length;
    const pendingCount = s.tasks.filter((t) => t.lastStatus === 'PROVISIONING').length;
    return {
      serviceArn: s.arn,
      serviceName: s.def.name,
      clusterArn: s.clusterArn,
      status: 'ACTIVE',
      desiredCount: s.desiredCount,
      runningCount,
      pendingCount,
      launchType: 'FARGATE',
      deployments: [
        {
          id: s.deploymentId,
          status: 'PRIMARY',
          desiredCount: s.desiredCount,
          runningCount,
          pendingCount,
          createdAt: s.deploymentUpdatedAt.getTime() / 1000,
          updatedAt: s.deploymentUpdatedAt.getTime() / 1000,
          rolloutState: runningCount === s.desiredCount ? 'COMPLETED' : 'IN_PROGRESS',
        },
      ],
      events: s.events.map((e) => ({ ...e, createdAt: e.createdAt.getTime() / 1000 })),
    };
  }

  private async describeTask(s: Managed, t: Task): Promise<Record<string, unknown>> {
    const healthy = t.lastStatus === 'RUNNING' ? await portOpen(s.def.port) : undefined;
    return {
      taskArn: t.arn,
      clusterArn: s.clusterArn,
      group: `service:${s.def.name}`,
      lastStatus: t.lastStatus,
      desiredStatus: t.desiredStatus,
      healthStatus: healthy === undefined ? 'UNKNOWN' : healthy ? 'HEALTHY' : 'UNHEALTHY',
      startedAt: t.startedAt ? t.startedAt.getTime() / 1000 : undefined,
      stoppedAt: t.stoppedAt ? t.stoppedAt.getTime() / 1000 : undefined,
      stoppedReason: t.stoppedReason,
      stopCode: t.stopCode,
      containers: [
        {
          name: s.def.name,
          lastStatus: t.lastStatus,
          exitCode: t.exitCode ?? undefined,
          runtimeId: String(t.child.pid),
        },
      ],
    };
  }

  /** The JSON operations for the endpoint. */
  operations(): JsonOperations {
    return {
      ListClusters: () => ({ clusterArns: [...new Set([...this.services.values()].map((s) => s.clusterArn))] }),
      ListServices: (i) => ({ serviceArns: this.clusterServices(i.cluster).map((s) => s.arn) }),
      DescribeServices: (i) => {
        const names = Array.isArray(i.services) ? i.services : [];
        const services: unknown[] = [];
        const failures: unknown[] = [];
        for (const name of names) {
          try {
            services.push(this.describeService(this.find(i.cluster, name)));
          } catch {
            failures.push({ arn: String(name), reason: 'MISSING' });
          }
        }
        return { services, failures };
      },
      UpdateService: async (i) => {
        const s = this.find(i.cluster, requireString(i, 'service', 'InvalidParameterException'));
        if (i.desiredCount !== undefined) {
          if (i.desiredCount !== 0 && i.desiredCount !== 1)
            throw new AwsError('InvalidParameterException', 'desiredCount must be 0 or 1 locally');
          s.desiredCount = i.desiredCount;
        }
        const current = this.running(s);
        if (current && (s.desiredCount === 0 || i.forceNewDeployment === true)) {
          s.deploymentId = `ecs-svc/${randomUUID()}`;
          s.deploymentUpdatedAt = new Date();
          // ECS's own words for a task a deployment (or a scale-in) replaces.
          await this.stopTask(
            s,
            current,
            `Scaling activity initiated by (deployment ${s.deploymentId})`,
            'ServiceSchedulerInitiated',
          );
        }
        // The replacement starts in the background, as ECS's scheduler does.
        if (s.desiredCount === 1 && !this.running(s)) void this.launch(s);
        return { service: this.describeService(s) };
      },
      ListTasks: (i) => {
        const services =
          typeof i.serviceName === 'string' ? [this.find(i.cluster, i.serviceName)] : this.clusterServices(i.cluster);
        const wanted = i.desiredStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING';
        return {
          taskArns: services.flatMap((s) => s.tasks.filter((t) => t.desiredStatus === wanted).map((t) => t.arn)),
        };
      },
      DescribeTasks: async (i) => {
        const arns = Array.isArray(i.tasks) ? i.tasks.map(String) : [];
        const tasks: unknown[] = [];
        const failures: unknown[] = [];
        for (const arn of arns) {
          const found = [...this.services.values()]
            .flatMap((s) => s.tasks.map((t) => [s, t] as const))
            .find(([, t]) => t.arn === arn || t.arn.endsWith(`/${arn}`));
          if (found) tasks.push(await this.describeTask(found[0], found[1]));
          else failures.push({ arn, reason: 'MISSING' });
        }
        return { tasks, failures };
      },
      StopTask: async (i) => {
        const arn = requireString(i, 'task', 'InvalidParameterException');
        const found = [...this.services.values()]
          .flatMap((s) => s.tasks.map((t) => [s, t] as const))
          .find(([, t]) => t.arn === arn || t.arn.endsWith(`/${arn}`));
        if (!found) throw new AwsError('InvalidParameterException', `The referenced task was not found: ${arn}`);
        const [s, t] = found;
        if (t.lastStatus !== 'STOPPED')
          await this.stopTask(s, t, typeof i.reason === 'string' ? i.reason : 'Task stopped by user', 'UserInitiated');
        return { task: await this.describeTask(s, t) };
      },
    };
  }
}
