/**
 * Probe benchmark: HTTP checks per second per core through Steward's probe path (keep-alive undici, status/body
 * checks, per-check timeout) against raw keep-alive `undici.request` on the same machine in the same run; the probe
 * cycle for N endpoints against the ideal N × latency ÷ concurrency; the time to probe 1,000 endpoints in one
 * invocation. Servers run in a child process on 127.0.0.1 only, bounded in count and time.
 * Run: npx tsx bench/probes.ts — prints the figures and writes bench/results/probes.json.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Agent, request } from 'undici';
import { probeHttp } from '../lambdas/shared/probes/http.ts';
import { runBounded, runCheck } from '../lambdas/shared/probes/index.ts';
import type { HttpCheckSpec, ServiceSpec } from '../lib/core/supervision/manifest.ts';

const ROOT = resolve(import.meta.dirname, '..');
const PORTS = 50;
const SECONDS = 3;

/** Starts PORTS local HTTP servers answering `{"status":"ok"}` after `delayMs`, in a child process. */
async function startServers(delayMs: number): Promise<{ ports: number[]; child: ChildProcess }> {
  const code = `
    import { createServer } from 'node:http';
    const ports = [];
    for (let i = 0; i < ${PORTS}; i++) {
      const s = createServer((req, res) => {
        const send = () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': '15' }); res.end('{"status":"ok"}'); };
        ${delayMs} > 0 ? setTimeout(send, ${delayMs}) : send();
      });
      s.keepAliveTimeout = 60000;
      await new Promise((r) => s.listen(0, '127.0.0.1', r));
      ports.push(s.address().port);
    }
    console.log(JSON.stringify(ports));
    process.stdin.on('end', () => process.exit(0));
    process.stdin.resume();
    setTimeout(() => process.exit(0), 600000).unref();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ports = await new Promise<number[]>((res, rej) => {
    child.stdout!.once('data', (d: Buffer) => res(JSON.parse(d.toString())));
    child.once('exit', (c) => rej(new Error(`server process exited ${c}`)));
  });
  return { ports, child };
}

/** Runs `work` with `concurrency` loops for `seconds`; returns checks/s of wall time and per client CPU second. */
async function throughput(concurrency: number, seconds: number, work: (i: number) => Promise<boolean>) {
  let count = 0;
  let failures = 0;
  const end = performance.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      let i = w;
      while (performance.now() < end) {
        if (!(await work(i))) failures++;
        count++;
        i += concurrency;
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    checks: count,
    failures,
    per_second: Math.round(count / wall),
    per_cpu_second: Math.round(count / cpuSeconds),
  };
}

const raw = new Agent({ keepAliveTimeout: 30_000, connections: 16, pipelining: 1 });
const check: HttpCheckSpec = { name: 'http', type: 'http', path: '/health', expect_status: [200] };

async function main(): Promise<void> {
  const results: Record<string, unknown> = {
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  };

  // 1. Checks per second per core at 0 ms latency: Steward's probe vs raw undici.request, interleaved twice.
  {
    const { ports, child } = await startServers(0);
    const urls = ports.map((p) => `http://127.0.0.1:${p}/health`);
    const rawWork = async (i: number) => {
      const res = await request(urls[i % urls.length]!, { dispatcher: raw });
      await res.body.dump();
      return res.statusCode === 200;
    };
    const stewardWork = async (i: number) => (await probeHttp(urls[i % urls.length]!, check, 2_000)).ok;
    await throughput(64, 0.5, rawWork);
    await throughput(64, 0.5, stewardWork);
    const rawRuns = [await throughput(64, SECONDS, rawWork)];
    const stewardRuns = [await throughput(64, SECONDS, stewardWork)];
    rawRuns.push(await throughput(64, SECONDS, rawWork));
    stewardRuns.push(await throughput(64, SECONDS, stewardWork));
    const mean = (xs: Array<{ per_cpu_second: number }>) =>
      Math.round(xs.reduce((a, x) => a + x.per_cpu_second, 0) / xs.length);
    const meanWall = (xs: Array<{ per_second: number }>) =>
      Math.round(xs.reduce((a, x) => a + x.per_second, 0) / xs.length);
    results.latency_0ms = {
      steward_checks_per_cpu_second: mean(stewardRuns),
      raw_undici_per_cpu_second: mean(rawRuns),
      ratio_to_raw: Number((mean(stewardRuns) / mean(rawRuns)).toFixed(2)),
      steward_checks_per_second_wall: meanWall(stewardRuns),
      raw_undici_per_second_wall: meanWall(rawRuns),
      failures: stewardRuns.reduce((a, x) => a + x.failures, 0),
    };
    child.stdin!.end();
  }

  // 2. 50 ms latency: throughput, and the cycle for N endpoints against N × latency ÷ concurrency.
  {
    const latency = 50;
    const { ports, child } = await startServers(latency);
    const specs: ServiceSpec[] = Array.from({ length: 1_000 }, (_, i) => ({
      name: `svc-${i}`,
      base_url: `http://127.0.0.1:${ports[i % ports.length]}`,
      health_checks: [{ name: 'http', type: 'http', path: `/health/${i}`, timeout_ms: 2_000 }],
    }));
    const wall = await throughput(
      256,
      SECONDS,
      async (i) => (await probeHttp(`http://127.0.0.1:${ports[i % ports.length]}/health`, check, 2_000)).ok,
    );
    const cycles: Array<Record<string, number>> = [];
    for (const [n, concurrency] of [
      [1_000, 256],
      [1_000, 100],
      [500, 50],
    ] as const) {
      await runBounded(specs.slice(0, n), concurrency, (s) => runCheck(s, s.health_checks![0]!));
      const t0 = performance.now();
      const out = await runBounded(specs.slice(0, n), concurrency, (s) => runCheck(s, s.health_checks![0]!));
      const ms = performance.now() - t0;
      const ideal = Math.ceil(n / concurrency) * latency;
      // The answer time actually seen (server delay + loopback + both event loops on this machine).
      const seen = out.map((r) => r.latency_ms).sort((a, b) => a - b)[Math.floor(out.length / 2)]!;
      cycles.push({
        endpoints: n,
        concurrency,
        cycle_ms: Math.round(ms),
        ideal_ms: (n * latency) / concurrency,
        ratio: Number((ms / ((n * latency) / concurrency)).toFixed(2)),
        ratio_to_whole_waves: Number((ms / ideal).toFixed(2)),
        observed_median_latency_ms: seen,
        ratio_to_observed_latency: Number((ms / ((n * seen) / concurrency)).toFixed(2)),
        failures: out.filter((r) => !r.ok).length,
      });
    }
    results.latency_50ms = { checks_per_second_wall_at_256: wall.per_second, cycles };
    child.stdin!.end();
  }

  // 3. Time to probe 1,000 endpoints in one invocation (the probing part of a prober round), 0 ms latency.
  {
    const { ports, child } = await startServers(0);
    const specs: ServiceSpec[] = Array.from({ length: 1_000 }, (_, i) => ({
      name: `svc-${i}`,
      base_url: `http://127.0.0.1:${ports[i % ports.length]}`,
      health_checks: [
        { name: 'http', type: 'http', path: `/health/${i}`, body: { json_path: '$.status', equals: 'ok' } },
      ],
    }));
    const times: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      await runBounded(specs, 256, (s) => runCheck(s, s.health_checks![0]!));
      times.push(performance.now() - t0);
    }
    results.one_invocation_1000_endpoints = {
      first_round_ms: Math.round(times[0]!),
      warm_round_ms_median: Math.round(times.slice(1).sort((a, b) => a - b)[2]!),
    };
    child.stdin!.end();
  }

  console.log(JSON.stringify(results, null, 2));
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(ROOT, 'bench', 'results', 'probes.json'),
    `${JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2)}\n`,
  );
  await raw.close();
  process.exit(0);
}

await main();
