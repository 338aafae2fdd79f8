import { cpus, loadavg, totalmem } from 'node:os';

export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** The machine and how busy it is right now: the numbers are only comparable within one run. */
export function machineLine(): string {
  const [one, five] = loadavg();
  const model = cpus()[0]?.model ?? 'unknown CPU';
  return (
    `${cpus().length} × ${model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; ` +
    `load average ${one?.toFixed(2)} (1 min) ${five?.toFixed(2)} (5 min)`
  );
}

export const fmtMs = (v: number) => `${v.toFixed(1)} ms`;
export const fmtKB = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
export const fmtX = (v: number) => `${v.toFixed(2)}×`;
export const fmtPct = (v: number) => `${(v * 100).toFixed(0)} %`;

/** One row of the table: measured, baseline, ratio or share, goal, verdict. */
export function row(label: string, value: string, against: string, goal: string, ok: boolean) {
  console.log(
    `  ${label.padEnd(44)} ${value.padStart(12)}  ${against.padEnd(34)} goal ${goal.padEnd(10)} ${ok ? 'ok' : 'MISSED'}`,
  );
}
