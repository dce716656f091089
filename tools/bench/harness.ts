/**
 * Small helpers shared by the benchmarks: run an async operation at a fixed concurrency for a
 * fixed number of operations, and summarise latencies. Benchmarks report ratios against a
 * baseline measured in the same run, never absolute thresholds.
 */
import os from 'node:os';

export interface RunResult {
  ops: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export async function runAtConcurrency(
  concurrency: number,
  totalOps: number,
  op: (i: number) => Promise<unknown>,
): Promise<RunResult> {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    for (let i = next++; i < totalOps; i = next++) {
      const t0 = process.hrtime.bigint();
      await op(i);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return {
    ops: totalOps,
    seconds,
    perSecond: totalOps / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return percentile(s, 0.5);
}

export function machineLine(extra: Record<string, string> = {}): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  const fields = { node: process.version, cores: String(os.cpus().length), cpu, kernel: os.release(), ...extra };
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

export function markdownTable(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The pod every write benchmark creates: one container with ports, env and resources. */
export function benchPod(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'bench', labels: { app: 'bench', tier: 'web' } },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'tskube/busybox:latest',
          command: ['httpd', '-f', '-p', '8080'],
          ports: [{ name: 'http', containerPort: 8080 }],
          env: [{ name: 'MODE', value: 'bench' }],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
        },
      ],
    },
  };
}

export interface CreateComparison {
  concurrency: number;
  raw: RunResult;
  subject: RunResult;
}

/**
 * Interleaves, per concurrency level and repetition, the raw etcd conditional put of `value`
 * (create-if-absent, the transaction a create sends) with `create(name)` of the subject; returns
 * the median run of each (by rate) per level.
 */
export async function compareCreates(options: {
  levels: number[];
  reps: number;
  ops: number;
  rawPut: (key: string) => Promise<unknown>;
  create: (name: string) => Promise<unknown>;
  onLevel?: (row: CreateComparison) => void;
}): Promise<CreateComparison[]> {
  const rows: CreateComparison[] = [];
  let run = 0;
  const byRate = (a: RunResult, b: RunResult) => a.perSecond - b.perSecond;
  for (const concurrency of options.levels) {
    const raws: RunResult[] = [];
    const subjects: RunResult[] = [];
    for (let r = 0; r < options.reps; r++) {
      run++;
      raws.push(await runAtConcurrency(concurrency, options.ops, (i) => options.rawPut(`/bench-raw/${run}/${i}`)));
      subjects.push(await runAtConcurrency(concurrency, options.ops, (i) => options.create(`p-${run}-${i}`)));
    }
    const mid = Math.floor(options.reps / 2);
    const row = { concurrency, raw: raws.sort(byRate)[mid]!, subject: subjects.sort(byRate)[mid]! };
    rows.push(row);
    options.onLevel?.(row);
  }
  return rows;
}
