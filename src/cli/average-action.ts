/** `qkv average`: the action of the command declared in average.ts. */
import type { OptionValues } from "commander";
import { averageCheckpoints, type CheckpointRef, lastEpochCheckpoints } from "../node.js";
import { printJson } from "./common.js";

/** Averages the checkpoints the options name and reports what was written. */
export async function runAverage(o: OptionValues): Promise<void> {
  const dirs = o.models as string[];
  let sources: CheckpointRef[];
  if (o.last !== undefined) {
    if (dirs.length !== 1) {
      throw new Error(`--last takes one --models folder (a run's), got ${dirs.length}`);
    }
    if (o.checkpoint !== "best")
      throw new Error("--last picks the epoch checkpoints itself: drop --checkpoint");
    sources = lastEpochCheckpoints(dirs[0], o.last);
  } else {
    sources = dirs.map((dir) => ({ dir, name: o.checkpoint }));
  }
  const r = await averageCheckpoints(sources, o.out, { overwrite: o.overwrite });
  if (o.json) printJson(r);
  else {
    console.log(
      `averaged ${r.sources.length} checkpoints (${r.tensors} tensors, ${r.parameters} parameters) into ${r.out}/best.json:`,
    );
    for (const s of r.sources) console.log(`  ${s.dir}/${s.name}.json`);
  }
}
