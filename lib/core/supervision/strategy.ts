/**
 * Supervision strategies of groups (OTP semantics, `001_…`'s supervision tree): which services to restart when one
 * fails, and escalation to the parent group when a group exceeds its restart intensity.
 *
 * - one_for_one: only the failed member.
 * - one_for_all: every member of the group (subgroups: all their services).
 * - rest_for_one: the failed member and the members started after it; start order is the dependency order
 *   (a service after everything it depends on), ties by name.
 * A group that has restarted more than `max_restarts` times in `window_seconds` gives up and escalates: its parent
 * treats the whole group as the failed member. If `root` gives up, nothing is restarted: the failure is terminal.
 */
import { effectiveGroup } from './defaults.ts';
import type { GroupSpec, ServiceSpec } from './manifest.ts';

/** A member of a group: a service or a subgroup. */
type Member = { kind: 'service'; name: string } | { kind: 'group'; name: string };

/** The outcome of a failure in the tree. */
export interface RestartPlan {
  /** Services to restart, in start order. */
  services: string[];
  /** The group whose strategy decided (it records the restart against its intensity). */
  decidedBy: string;
  /** Groups that gave up on the way, innermost first. */
  escalations: string[];
  /** True when even `root` exceeded its intensity: restart nothing, mark the services failed. */
  terminal: boolean;
}

/** Start order of services: dependencies first, ties by name (Kahn's algorithm; cycles are refused by the manifest). */
export function startOrder(services: ReadonlyArray<Pick<ServiceSpec, 'name' | 'depends_on'>>): string[] {
  const names = new Set(services.map((s) => s.name));
  const pending = new Map(
    services.map((s) => [s.name, (s.depends_on ?? []).filter((d) => names.has(d) && d !== s.name)]),
  );
  const order: string[] = [];
  while (pending.size > 0) {
    const ready = [...pending].filter(([, deps]) => deps.every((d) => !pending.has(d))).map(([n]) => n);
    // A cycle slipped through: take the rest by name rather than loop forever.
    const next = ready.length > 0 ? ready.sort() : [...pending.keys()].sort();
    for (const n of next) {
      order.push(n);
      pending.delete(n);
    }
  }
  return order;
}

/** The supervision tree: groups with their resolved settings and members. */
export class SupervisionTree {
  private readonly groups = new Map<string, ReturnType<typeof effectiveGroup>>();
  private readonly members = new Map<string, Member[]>();
  private readonly serviceGroup = new Map<string, string>();

  constructor(
    groups: readonly GroupSpec[],
    services: ReadonlyArray<Pick<ServiceSpec, 'name' | 'group' | 'depends_on'>>,
  ) {
    this.groups.set(
      'root',
      effectiveGroup({ name: 'root', strategy: 'one_for_one', max_restarts: 10, window_seconds: 60 }),
    );
    for (const g of groups) this.groups.set(g.name, effectiveGroup(g));
    for (const name of startOrder(services)) {
      const s = services.find((x) => x.name === name)!;
      const group = s.group && this.groups.has(s.group) ? s.group : 'root';
      this.serviceGroup.set(name, group);
      this.add(group, { kind: 'service', name });
    }
    for (const g of groups) this.add(this.groups.get(g.name)!.parent, { kind: 'group', name: g.name });
  }

  /** Overrides the implicit root group's settings. */
  setRoot(settings: Omit<GroupSpec, 'name' | 'parent'>): void {
    this.groups.set('root', effectiveGroup({ ...settings, name: 'root' }));
  }

  /** The group of a service (`root` when it has none). */
  groupOf(service: string): string {
    return this.serviceGroup.get(service) ?? 'root';
  }

  /** Intensity of a group. */
  intensity(group: string): { max_restarts: number; window_seconds: number } {
    const g = this.groups.get(group) ?? this.groups.get('root')!;
    return { max_restarts: g.max_restarts, window_seconds: g.window_seconds };
  }

  /** Every service under a group, in start order. */
  servicesUnder(group: string): string[] {
    return (this.members.get(group) ?? []).flatMap((m) =>
      m.kind === 'service' ? [m.name] : this.servicesUnder(m.name),
    );
  }

  /**
   * Plans the response to `service` failing. `recentRestarts(group)` gives how many restarts each group decided
   * within its window (from the registry's group items).
   */
  plan(service: string, recentRestarts: (group: string) => number): RestartPlan {
    let group = this.groupOf(service);
    let failed: Member = { kind: 'service', name: service };
    const escalations: string[] = [];
    for (;;) {
      const settings = this.groups.get(group)!;
      if (recentRestarts(group) >= settings.max_restarts) {
        escalations.push(group);
        if (group === 'root') return { services: [], decidedBy: 'root', escalations, terminal: true };
        failed = { kind: 'group', name: group };
        group = settings.parent;
        continue;
      }
      const members = this.members.get(group) ?? [];
      const index = members.findIndex((m) => m.kind === failed.kind && m.name === failed.name);
      const chosen =
        settings.strategy === 'one_for_all'
          ? members
          : settings.strategy === 'rest_for_one'
            ? members.slice(Math.max(index, 0))
            : [failed];
      const services = chosen.flatMap((m) => (m.kind === 'service' ? [m.name] : this.servicesUnder(m.name)));
      return { services, decidedBy: group, escalations, terminal: false };
    }
  }

  private add(group: string, member: Member): void {
    this.members.set(group, [...(this.members.get(group) ?? []), member]);
  }
}
