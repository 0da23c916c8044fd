/**
 * How a `qkv` command reports a failure (`qkv <command>: message` on stderr, exit status 1), and how its
 * code loads: a command's file (src/cli/<command>.ts) only declares it — options, help, parsers — and its
 * action imports the implementation (src/cli/<command>-action.ts) when the command runs, so starting
 * `qkv translate` loads no training loop, PNG, font or ONNX code. Nothing here imports the library.
 */
import { escapeControl } from "./terminal-text.js";

/**
 * Prints `qkv <cmd>: <message>` on stderr (control characters escaped: a message may echo user text)
 * and exits with status 1.
 */
export function fail(cmd: string, e: unknown): never {
  process.stderr.write(`qkv ${cmd}: ${escapeControl(String((e as Error)?.message ?? e))}\n`);
  process.exit(1);
}

/** A command's action with its errors reported by `fail(cmd, …)`. */
export function action<A extends unknown[]>(
  cmd: string,
  run: (...args: A) => Promise<void> | void,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (e) {
      fail(cmd, e);
    }
  };
}

/**
 * A command's action whose code is imported when the command runs: `load` resolves to the run function
 * (`async () => (await import("./translate-action.js")).runTranslate`). A failure to load it is
 * reported like any other error of the command.
 */
export function lazyAction<A extends unknown[]>(
  cmd: string,
  load: () => Promise<(...args: A) => Promise<void> | void>,
): (...args: A) => Promise<void> {
  return action(cmd, async (...args: A) => (await load())(...args));
}
