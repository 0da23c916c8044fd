/**
 * `qkv export`: a checkpoint as ONNX graphs (the encoder; one decoder step — a Transformer's with its KV
 * cache — and a Transformer's decoder over a target prefix) and a JSON manifest with the vocabularies,
 * tokenizers and ids (docs/ONNX.md).
 * The command and its options are declared in export.ts, which loads this file only when it runs.
 */
import { basename } from "node:path";
import type { OptionValues } from "commander";
import { data, isTransformer } from "../index.js";
import { tokenizersOf, vocabsOf, writeFileAtomic } from "../node.js";
import { exportSeq2SeqOnnx, exportTransformerOnnx } from "../onnx/index.js";
import { type Loaded, load, printJson } from "./common.js";

/** The graphs to write ([file, bytes], the encoder first) and the manifest, for `onnx` (the encoder's file). */
async function onnxGraphs(
  m: Loaded,
  onnx: string,
): Promise<{ graphs: [string, Uint8Array][]; manifest: Record<string, unknown> }> {
  const base = onnx.replace(/\.onnx$/, "");
  const { srcVocab, tgtVocab } = vocabsOf(m.meta);
  const { srcTokenizer, tgtTokenizer } = tokenizersOf(m.meta);
  const common = {
    ids: { ...data.SPECIAL_IDS },
    maxTargetLength: m.meta.maxTargetLength,
    task: m.meta.task,
    srcVocab: srcVocab.tokens,
    tgtVocab: tgtVocab.tokens,
    srcTokenizer: srcTokenizer.toJSON(),
    tgtTokenizer: tgtTokenizer.toJSON(),
  };
  let graphs: [string, Uint8Array][];
  let manifest: Record<string, unknown>;
  if (isTransformer(m.model)) {
    const { encoder, decoder, step, signature } = await exportTransformerOnnx(m.model);
    const file = `${base}.decoder.onnx`;
    const stepFile = `${base}.step.onnx`;
    graphs = [
      [onnx, encoder],
      [file, decoder],
      [stepFile, step],
    ];
    const c = m.model.config;
    manifest = {
      format: "qkv-transformer-onnx",
      opset: 17,
      encoder: { file: basename(onnx), ...signature.encoder },
      decoder: { file: basename(file), ...signature.decoder },
      step: { file: basename(stepFile), ...signature.step },
      ...common,
      // Learned positions end at maxLength (source and target prefix); sinusoidal ones do not.
      maxPositions: c.positions === "learned" ? c.maxLength : null,
      config: { ...c },
    };
  } else {
    const { encoder, step, signature } = await exportSeq2SeqOnnx(m.model);
    const file = `${base}.step.onnx`;
    graphs = [
      [onnx, encoder],
      [file, step],
    ];
    manifest = {
      format: "qkv-seq2seq-onnx",
      opset: 17,
      encoder: { file: basename(onnx), ...signature.encoder },
      step: { file: basename(file), ...signature.step },
      ...common,
    };
  }
  return { graphs, manifest };
}

/** The `qkv export` action: writes the graphs and the manifest, then says what it wrote. */
export async function runExport(o: OptionValues): Promise<void> {
  const m = await load(o.model, o.checkpoint);
  const { graphs, manifest } = await onnxGraphs(m, o.onnx);
  for (const [file, bytes] of graphs) await writeFileAtomic(file, bytes);
  const json = `${o.onnx.replace(/\.onnx$/, "")}.json`;
  await writeFileAtomic(json, `${JSON.stringify(manifest, null, 1)}\n`);
  if (o.json) {
    printJson({
      model: o.model,
      checkpoint: o.checkpoint,
      format: manifest.format,
      graphs: graphs.map(([file, b]) => ({ file, bytes: b.length })),
      manifest: json,
    });
  } else console.log(`wrote ${graphs.map(([f, b]) => `${f} (${b.length} bytes)`).join(", ")}, ${json}`);
}
