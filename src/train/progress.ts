/**
 * Progress for long work: a bar with ETA, loss, tokens/s and the latest validation score
 * (cli-progress on a terminal; a plain line every ~10 % when output is piped, so logs stay readable).
 */
import cliProgress from "cli-progress";

export interface ProgressValues {
  loss?: number;
  tokensPerSec?: number;
  val?: string;
}

export interface Progress {
  update(done: number, values?: ProgressValues): void;
  stop(): void;
}

function fmtPayload(v: ProgressValues): string {
  const parts: string[] = [];
  if (v.loss !== undefined) parts.push(`loss ${v.loss.toFixed(4)}`);
  if (v.tokensPerSec !== undefined) parts.push(`${Math.round(v.tokensPerSec)} tok/s`);
  if (v.val) parts.push(v.val);
  return parts.join(" | ");
}

/** A progress display for `total` units of work labelled `label`; silent when `quiet`. */
export function createProgress(label: string, total: number, { quiet = false } = {}): Progress {
  if (quiet) return { update() {}, stop() {} };
  const start = Date.now();
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | ETA {eta_formatted} | {value}/{total} | {info}`,
        barCompleteChar: "█",
        barIncompleteChar: "░",
        hideCursor: true,
        etaBuffer: 50,
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { info: "" });
    return {
      update(done, values = {}) {
        bar.update(done, { info: fmtPayload(values) });
      },
      stop() {
        bar.stop();
      },
    };
  }
  let nextReport = 0;
  return {
    update(done, values = {}) {
      if (done < nextReport && done < total) return;
      nextReport = done + Math.max(1, Math.ceil(total / 10));
      const elapsed = (Date.now() - start) / 1000;
      const eta = done > 0 ? (elapsed / done) * (total - done) : 0;
      process.stderr.write(
        `${label} ${done}/${total} (${Math.round((100 * done) / total)}%) | ETA ${eta.toFixed(0)}s | ${fmtPayload(values)}\n`,
      );
    },
    stop() {},
  };
}
