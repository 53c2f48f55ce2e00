import type { FastifyInstance } from 'fastify';

export type ProbeLatency = { p50: number; max: number; n: number };
export type AttackCost = { calls: number; wallMs: number; cpuMsPerCall: number; probe: ProbeLatency };

const round = (ms: number) => Number(ms.toFixed(2));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

/**
 * Listens on a loopback port so that a bystander's probe goes over a real socket. inject() on a route
 * that needs no I/O resolves on microtasks alone: a `while (!done) await app.inject(...)` probe then
 * never yields to the event loop, so the attack it runs beside (and every timer, the test timeout too)
 * never gets a turn and the test hangs. A socket round trip always passes through the event loop.
 */
export async function listenOnLoopback(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

async function probeUntil(url: string, isDone: () => boolean, minSamples: number): Promise<ProbeLatency> {
  const latencies: number[] = [];
  while (!isDone() || latencies.length < minSamples) {
    const started = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`probe answered ${response.status}`);
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  return { p50: round(percentile(latencies, 0.5)), max: round(latencies.at(-1) ?? 0), n: latencies.length };
}

/** The bystander's latency with nothing else running: the figure the attack is compared against. */
export async function baselineLatency(url: string, samples = 30): Promise<ProbeLatency> {
  return probeUntil(url, () => true, samples);
}

/**
 * What an attack costs the server: wall time, process CPU per attacking call, and the latency a
 * bystander's probe sees while it runs. `attack` makes `calls` calls, `concurrency` at a time.
 */
export async function measureAttack(
  probeUrl: string,
  calls: number,
  concurrency: number,
  attack: (i: number) => Promise<unknown>,
): Promise<AttackCost> {
  let done = false;
  const probe = probeUntil(probeUrl, () => done, 1);
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) await attack(next++);
    }),
  );
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  done = true;
  return {
    calls,
    wallMs: Math.round(wallMs),
    cpuMsPerCall: round((used.user + used.system) / 1000 / calls),
    probe: await probe,
  };
}
