/** Where a process-mode run stands, for the progress display. */
export interface ProgressState {
  finished: number;
  total: number;
  done: number;
  failed: number;
  running: number;
}

/** `[#########-----------]  45% 90/200 issues · 25 running · 85 done · 5 failed` */
export function renderProgressLine(p: ProgressState, width = 24): string {
  const share = p.total > 0 ? Math.min(1, p.finished / p.total) : 1;
  const filled = Math.round(share * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  const percent = `${Math.floor(share * 100)}%`.padStart(4);
  return `${bar} ${percent} ${p.finished}/${p.total} issues · ${p.running} running · ${p.done} done · ${p.failed} failed`;
}

export interface ProgressView {
  update(p: ProgressState): void;
  /** Leave the display (a terminal's line is cleared). */
  finish(): void;
}

/**
 * On a terminal: one line redrawn in place. Elsewhere (CI logs, pipes): a
 * plain line at every tenth of the issues, so a log shows steady progress
 * without an escape code or a line per issue.
 */
export function createProgressView(out: NodeJS.WritableStream & { isTTY?: boolean }, tty: boolean): ProgressView {
  let lastDecile = 0;
  let drawn = false;
  return {
    update(p) {
      if (tty) {
        out.write(`\r${renderProgressLine(p)}\u001b[K`);
        drawn = true;
        return;
      }
      const decile = p.total > 0 ? Math.floor((p.finished / p.total) * 10) : 10;
      if (decile <= lastDecile) return;
      lastDecile = decile;
      out.write(`${renderProgressLine(p)}\n`);
    },
    finish() {
      if (drawn) out.write('\r\u001b[K');
    },
  };
}
