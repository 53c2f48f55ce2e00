import type { FastifyInstance } from 'fastify';

export type AttackCost = {
  calls: number;
  wallMs: number;
  msPerCall: number;
  cpuMsPerCall: number;
  probe: { p50: number; max: number; n: number };
};

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

/**
 * What an attack costs the server: wall and CPU time per attacking call, and the latency a bystander's
 * probe (`/readyz`, a database round trip) sees while it runs. `attack` makes `calls` calls, `concurrency`
 * at a time; the probe runs back to back until the attack is over.
 */
export async function measureAttack(
  app: FastifyInstance,
  calls: number,
  concurrency: number,
  attack: (i: number) => Promise<unknown>,
  probeUrl = '/readyz',
): Promise<AttackCost> {
  let done = false;
  const latencies: number[] = [];
  const probe = (async () => {
    while (!done) {
      const started = performance.now();
      await app.inject({ method: 'GET', url: probeUrl });
      latencies.push(performance.now() - started);
    }
  })();
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
  await probe;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    calls,
    wallMs: Math.round(wallMs),
    msPerCall: Number((wallMs / calls).toFixed(2)),
    cpuMsPerCall: Number(((used.user + used.system) / 1000 / calls).toFixed(2)),
    probe: { p50: Number(percentile(sorted, 0.5).toFixed(1)), max: Number((sorted.at(-1) ?? 0).toFixed(1)), n: sorted.length },
  };
}
