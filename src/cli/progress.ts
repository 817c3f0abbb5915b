/** Redraws at most this often. */
const REDRAW_MS = 100;
const BAR_WIDTH = 30;

/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (logs and pipes get the
 * final summary only).
 */
export class ProgressBar {
  private lastDrawMs = 0;
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(label: string, done: number, expected?: number): void {
    if (!this.stream.isTTY) return;
    const now = Date.now();
    if (now - this.lastDrawMs < REDRAW_MS) return;
    this.lastDrawMs = now;
    let line = `${label} ${done}`;
    if (expected !== undefined && expected > 0) {
      const fraction = Math.min(1, done / expected);
      const filled = Math.round(fraction * BAR_WIDTH);
      line = `${label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${Math.floor(fraction * 100)}% ${done}/${expected}`;
    }
    this.stream.write(`\r${line.slice(0, (this.stream.columns || 80) - 1)}\x1b[K`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
