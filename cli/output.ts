/** Where a command writes: stdout for results, stderr for progress (so `--json` stays parseable). */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (progress draws a bar instead of printing lines). */
  tty: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  tty: Boolean(process.stderr.isTTY),
  env: process.env,
  cwd: process.cwd(),
};

/** A plain-text table with a header row and columns padded to their widest cell. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  const cells = [headers, ...rows].map((row) => row.map((c) => (c === undefined ? '' : String(c))));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Human age of a timestamp: "3m 12s", "2h 5m", "4d 1h". */
export function age(iso: string | undefined, now = Date.now()): string {
  if (iso === undefined) return '-';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (Number.isNaN(seconds)) return '-';
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/**
 * Progress of long work on stderr: a redrawn bar with counts and rate on a TTY, otherwise a plain
 * line every `every` items (and at the end).
 */
export class Progress {
  private done = 0;
  private readonly started = Date.now();
  private lastLine = 0;

  constructor(
    private readonly io: Io,
    private readonly label: string,
    private total: number | undefined,
    private readonly every = 1000,
  ) {}

  setTotal(total: number): void {
    this.total = total;
  }

  /** Sets the count of finished items (monotonic). */
  update(done: number): void {
    if (done <= this.done) return;
    this.done = done;
    if (this.io.tty) this.draw();
    else if (this.done - this.lastLine >= this.every) this.line();
  }

  tick(by = 1): void {
    this.update(this.done + by);
  }

  finish(): void {
    if (this.io.tty) {
      this.draw();
      process.stderr.write('\n');
    } else if (this.done !== this.lastLine || this.done === 0) {
      this.line();
    }
  }

  private rate(): string {
    const seconds = (Date.now() - this.started) / 1000;
    return `${seconds > 0 ? (this.done / seconds).toFixed(0) : '0'}/s`;
  }

  private line(): void {
    this.lastLine = this.done;
    const of = this.total !== undefined ? `/${this.total}` : '';
    this.io.err(`${this.label}: ${this.done}${of} (${this.rate()})`);
  }

  private draw(): void {
    const width = 30;
    const fraction = this.total ? Math.min(1, this.done / this.total) : 0;
    const filled = Math.round(fraction * width);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    const of = this.total !== undefined ? `/${this.total}` : '';
    process.stderr.write(`\r${this.label} [${bar}] ${this.done}${of} ${this.rate()}   `);
  }
}
