/**
 * Training progress for the terminal: a redrawn bar (step or epoch, loss, ETA) on a TTY, plain lines
 * otherwise so logs and pipes stay readable.
 */
import { releaseStatusLines } from './status.js';

/**
 * What a bar shows: the library's one progress shape (TrainProgress: `step` of `steps`, `loss`,
 * `elapsedMs`, `etaMs`), with the epoch when training reports per epoch.
 */
export interface ProgressUpdate {
  step: number; // 1-based
  steps: number;
  loss: number;
  elapsedMs: number;
  /** Remaining time when the caller knows it better than the average pace (e.g. a time budget). */
  etaMs?: number;
  /** Shown instead of the step when given (a report per epoch). */
  epoch?: number;
  epochs?: number;
  extra?: string;
}

function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export class ProgressBar {
  private lastPlain = 0;
  /** A redrawn TTY line is showing and has not been ended. */
  private open = false;
  private readonly tty: boolean;
  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY) && process.env.CI !== 'true';
  }

  update(u: ProgressUpdate): void {
    releaseStatusLines();
    const eta = u.etaMs ?? (u.elapsedMs / u.step) * (u.steps - u.step);
    const at = u.epoch !== undefined && u.epochs !== undefined ? `epoch ${u.epoch}/${u.epochs}` : `step ${u.step}/${u.steps}`;
    const text = `${at} loss ${u.loss.toFixed(4)} ETA ${fmtDuration(eta)}${u.extra ? ' ' + u.extra : ''}`;
    const last = u.step >= u.steps;
    if (this.tty) {
      const width = 24;
      const filled = Math.max(0, Math.min(width, Math.round((u.step / u.steps) * width)));
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      this.stream.write(`\r\x1b[2K${this.label} ${bar} ${text}`);
      this.open = !last;
      if (!this.open) this.stream.write('\n');
      return;
    }
    // Plain mode: about ten lines per run, plus the last report.
    if (last || u.step - this.lastPlain >= u.steps / 10) {
      this.lastPlain = u.step;
      this.stream.write(`${this.label} ${text}\n`);
    }
  }

  /** End a redrawn line left open (training stopped before its last step, e.g. by a budget). */
  done(): void {
    if (this.open) this.stream.write('\n');
    this.open = false;
  }
}

/** One training step's figures (corpus training). */
export interface StepUpdate {
  step: number;
  /** 0..1 of the budget. */
  fraction: number;
  charsPerSec: number;
  trainLoss: number;
  valLoss?: number;
  valBitsPerChar?: number;
  etaMs: number;
}

/**
 * Step progress for corpus training: a bar redrawn at most 5 times a second on a TTY; otherwise a
 * plain line at most every `plainEveryMs` (10 s) — and always one for the last step.
 */
export class StepProgress {
  private lastDraw = 0;
  private readonly tty: boolean;
  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly plainEveryMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.tty = Boolean(stream.isTTY) && process.env.CI !== 'true';
    this.lastDraw = this.now();
  }

  static text(u: StepUpdate): string {
    const val = u.valLoss === undefined ? '' : ` val ${u.valLoss.toFixed(4)} (${u.valBitsPerChar!.toFixed(3)} bits/char)`;
    return `step ${u.step} ${Math.round(u.charsPerSec).toLocaleString('en-US')} chars/s train ${u.trainLoss.toFixed(4)}${val} ETA ${fmtDuration(u.etaMs)}`;
  }

  update(u: StepUpdate, last = false): void {
    releaseStatusLines();
    const t = this.now();
    if (this.tty) {
      if (!last && t - this.lastDraw < 200) return;
      this.lastDraw = t;
      const width = 24;
      const filled = Math.max(0, Math.min(width, Math.round(u.fraction * width)));
      this.stream.write(`\r\x1b[2K${this.label} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${StepProgress.text(u)}`);
      if (last) this.stream.write('\n');
      return;
    }
    if (last || t - this.lastDraw >= this.plainEveryMs) {
      this.lastDraw = t;
      this.stream.write(`${this.label} ${StepProgress.text(u)}\n`);
    }
  }

  /** A line of its own (validation, checkpoint), not overwritten by the bar. */
  note(line: string): void {
    this.stream.write(this.tty ? `\r\x1b[2K${this.label} ${line}\n` : `${this.label} ${line}\n`);
  }
}
