/**
 * End-to-end: supervision of the sample services, against local mode (default) or a deployed stack
 * (STEWARD_E2E_URL). Crashing a service needs local mode. The console's pages have their own cases (console*.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { portOpen } from '../../../lib/local/ecs/index.ts';
import { type E2E, eventually, isLocal } from '../support/steward.ts';

/** Registers the cases; `get` gives the running Steward (started by the suite's beforeAll). */
export function supervisionCases(get: () => E2E): void {
  const e2e = new Proxy({} as E2E, { get: (_t, key) => get()[key as keyof E2E] });

  const ORCHESTRATOR = 'http://127.0.0.1:4511';

  const busEvents = async (
    type: string,
  ): Promise<Array<{ time: string; detail: { data: Record<string, unknown> } }>> => {
    const answer = (await (await fetch(`${e2e.url}/local/events?limit=200`)).json()) as {
      events: Array<{ 'detail-type': string; time: string; detail: { data: Record<string, unknown> } }>;
    };
    return answer.events.filter((e) => e['detail-type'] === type);
  };

  const forceUnhealthy = () =>
    fetch(`${ORCHESTRATOR}/__control/health`, { method: 'POST', body: JSON.stringify({ healthy: false }) }).catch(
      () => undefined,
    );

  describe('supervision', () => {
    it('lists every service with its status at /services/status', async () => {
      const answer = await e2e.api<{ services: Array<{ id: string; name: string; status: string }> }>(
        'GET',
        '/services/status',
      );

      expect(answer.status).toBe(200);
      expect(Array.isArray(answer.body.services)).toBe(true);
      if (isLocal) {
        // The eight services of services.json, probed: the quick ones turn healthy. (Cases before this one register
        // services of their own, so the list may hold more.)
        const manifest = JSON.parse(readFileSync('services.json', 'utf8')) as { services: Array<{ name: string }> };
        const samples = manifest.services.map((s) => s.name);
        expect(samples).toHaveLength(8);
        expect(answer.body.services.map((s) => s.name)).toEqual(expect.arrayContaining(samples));
        await eventually(
          'a sample service to be probed healthy',
          async () => {
            const { body } = await e2e.api<{ services: Array<{ health: string }> }>('GET', '/services/status');
            return body.services.some((s) => s.health === 'healthy') ? true : undefined;
          },
          { timeoutMs: 30_000 },
        );
      }
    }, 60_000);

    it.runIf(isLocal)(
      'discovers the managed services both in their ECS cluster and in Cloud Map, every scan completing',
      async () => {
        const local = e2e.local!;
        const discovery = local.wiring.functions.find((f) => f.id === 'discovery')!;
        const managed = local.wiring.containerServices.map((s) => s.serviceName);
        const failedScans = () => e2e.logs.filter((line) => line.includes('Discovery scan failed'));
        const before = failedScans().length;

        const outcome = await local.backend.invoke(discovery.name, { 'detail-type': 'Scheduled Event' });

        // Each managed service is found twice: in the ECS cluster, and among the namespace's Cloud Map services
        // (the instances ECS registered for its running task).
        expect(outcome).toMatchObject({ ok: true, payload: { found: 2 * managed.length, disappeared: 0 } });
        expect(failedScans().slice(before)).toEqual([]);
        const { body } = await e2e.api<{ services: Array<{ name: string }> }>('GET', '/services?limit=100');
        expect(body.services.map((s) => s.name)).toEqual(expect.arrayContaining(managed));
      },
      60_000,
    );

    it.runIf(isLocal)(
      'restarts a service on request: a new task, service.restarted, an audit record and the budget spent',
      async () => {
        const name = 'planning-system';
        const { body } = await e2e.api<{ services: Array<{ id: string; name: string }> }>('GET', '/services/status');
        const id = body.services.find((s) => s.name === name)!.id;
        const ecs = e2e.local!.backend.services.ecs;
        const pid = await eventually(`${name} running`, async () => ecs.pidOf(name));

        const answer = await e2e.api<{ restarted: boolean; budget_left: number; restarts: { in_window: number } }>(
          'POST',
          `/services/${id}/restart`,
          { reason: 'e2e: restart on request' },
        );

        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        expect(answer.body).toMatchObject({ service_id: id, restarted: true, reason: 'e2e: restart on request' });
        expect(answer.body.restarts.in_window).toBeGreaterThanOrEqual(1);
        await eventually(`${name} replaced by a new task`, async () => {
          const current = ecs.pidOf(name);
          return current !== undefined && current !== pid ? true : undefined;
        });
        const event = await eventually('a manual service.restarted', async () =>
          (await busEvents('service.restarted')).find((e) => e.detail.data.service_id === id && e.detail.data.manual),
        );
        expect(event.detail.data).toMatchObject({ name, reason: 'e2e: restart on request' });
        const trail = await e2e.api<{ records: Array<{ action: string }> }>('GET', `/audit?target=service/${id}`);
        expect(trail.body.records.map((r) => r.action)).toContain('service.restart');
        const unknown = await e2e.api('POST', '/services/no-such-service/restart', {});
        expect(unknown.status).toBe(404);
        // Leave the service healthy for the cases after this one.
        await eventually(
          `${name} healthy again`,
          async () => {
            const { body: status } = await e2e.api<{ services: Array<{ id: string; health: string }> }>(
              'GET',
              '/services/status',
            );
            return status.services.find((s) => s.id === id)?.health === 'healthy' ? true : undefined;
          },
          { timeoutMs: 60_000 },
        );
      },
      120_000,
    );

    it.runIf(isLocal)(
      'sees a crash loop: tasks killed past the restart budget are counted, shown, alerted and published',
      async () => {
        // project-coordinator: budget 5 restarts per 300 s; ECS replaces each killed task within about a second,
        // so probes alone never see it down. The sixth crash in the window exceeds the budget.
        const name = 'project-coordinator';
        const ecs = e2e.local!.backend.services.ecs;
        for (let kill = 0; kill < 6; kill++) {
          const pid = await eventually(`${name} running`, async () => {
            const current = ecs.pidOf(name);
            return current !== undefined && (await portOpen(4512)) ? current : undefined;
          });
          process.kill(pid, 'SIGKILL');
          await eventually(`${name} replaced`, async () => (ecs.pidOf(name) !== pid ? true : undefined));
        }

        const loop = await eventually(
          'service.crash_looping',
          async () => (await busEvents('service.crash_looping')).find((e) => e.detail.data.name === name),
          { timeoutMs: 60_000 },
        );
        expect(loop.detail.data).toMatchObject({ max_restarts: 5, window_seconds: 300 });
        const id = String(loop.detail.data.service_id);
        type Restarts = { crashes_in_window: number; crash_looping: boolean };
        const entry = await eventually('the crash loop on /services/status', async () => {
          const { body } = await e2e.api<{ services: Array<{ id: string; status: string; restarts?: Restarts }> }>(
            'GET',
            '/services/status',
          );
          const s = body.services.find((x) => x.id === id);
          return (s?.restarts?.crashes_in_window ?? 0) >= 6 ? s : undefined;
        });
        expect(entry.status).not.toBe('online');
        expect(entry.restarts).toMatchObject({
          crash_looping: true,
          budget_exhausted: true,
          last_crash: { stop_code: 'EssentialContainerExited', exit_code: 137 },
        });
        const health = await e2e.api<{ restarts: Restarts }>('GET', `/services/${id}/health`);
        expect(health.body.restarts).toMatchObject({ crash_looping: true });
        await eventually('an open crash-loop alert', async () => {
          const { body } = await e2e.api<{ alerts: Array<{ key: string }> }>('GET', '/alerts?state=open');
          return body.alerts.find((a) => a.key === `service:${id}:crash_looping`);
        });
      },
      150_000,
    );

    it.runIf(isLocal)(
      'restarts an unhealthy service within its budget, then escalates when the budget runs out',
      async () => {
        // The sample also turns unhealthy by itself 40 s after each start (FLAKE_AFTER_SECONDS), so restarts may
        // already have happened: count restarts on the bus rather than assume a fresh process.
        const ecs = e2e.local!.backend.services.ecs;
        expect(ecs.pidOf('agent-orchestrator')).toBeDefined();

        await forceUnhealthy();
        // Other samples may be restarted meanwhile (the crash-loop case kills project-coordinator): look at ours.
        const ours = async (type: string) =>
          (await busEvents(type)).filter((e) => e.detail.data.name === 'agent-orchestrator');
        const restarted = await eventually(
          'service.restarted for agent-orchestrator',
          async () => {
            const events = await ours('service.restarted');
            return events.length > 0 ? events : undefined;
          },
          { timeoutMs: 60_000 },
        );
        expect(restarted[0]?.detail.data).toMatchObject({ name: 'agent-orchestrator' });

        // Keep it failing: every replacement turns unhealthy again until the budget (3 per 5 minutes) is spent.
        const exhausted = await eventually(
          'service.restart_budget_exhausted',
          async () => {
            await forceUnhealthy();
            const events = await ours('service.restart_budget_exhausted');
            return events.length > 0 ? events : undefined;
          },
          { timeoutMs: 120_000, intervalMs: 500 },
        );
        // Its own budget (services.json: 3 restarts in 300 s) runs out before its group's (agents: 10 in 600 s), and
        // the budget was spent on exactly that many restarts within the window.
        const spent = exhausted[0]!;
        expect(spent.detail.data).toMatchObject({ scope: 'service', max_restarts: 3, window_seconds: 300 });
        const at = Date.parse(spent.time);
        const inWindow = (await ours('service.restarted')).filter((e) => {
          const t = Date.parse(e.time);
          return t <= at && t > at - 300_000;
        });
        expect(inWindow).toHaveLength(3);
      },
      200_000,
    );
  });
}
