/**
 * Why is self-attention called "self"?
 *
 * 1. It IS attention: Luong's dot attention of a decoder state s over encoder states h equals
 *    scaled dot-product attention with Q = s, K = V = h and scale 1 — the same three steps
 *    (score, softmax, weighted sum) on the same core, `attend`.
 * 2. It is "self" because Q, K and V come from ONE sequence (intra-attention), whereas Luong and
 *    Bahdanau attend from one sequence (the Hindi decoder) to ANOTHER (the English encoder).
 *
 * Run: npm run why-self
 */
import {
  attend,
  luongAttention,
  manualSeed,
  randn,
  scaledDotProductAttention,
  type Tensor,
  tanh,
  tensor,
} from "../src/index.js";
import { heatmapTerminal, sideBySide } from "../src/viz/index.js";

export interface WhySelf {
  english: string[];
  hindi: string[];
  /** Luong dot attention, Hindi decoder states over English encoder states: (3, 4). */
  luong: number[][];
  /** Scaled dot-product attention with Q = s, K = V = h, scale 1: (3, 4). */
  sdpa: number[][];
  /** Largest |luong − sdpa| over weights and context vectors. */
  maxDiff: number;
  /** Self-attention of the English sentence over itself: (4, 4). */
  self: number[][];
}

const rows = (t: Tensor) => t.toArray() as number[][];

export function whySelf(): WhySelf {
  manualSeed(76);
  const english = ["Turn", "off", "the", "lights"];
  const hindi = ["लाइट", "बंद", "करो"];
  const D = 8;
  // Encoder states h_j (S = 4, D): a fixed random "encoder" of random word vectors.
  const h = tanh(randn([4, D]).matmul(randn([D, D], 0.5)));
  // Decoder states s_i that resemble the English word they translate: लाइट→lights, बंद→off, करो→turn.
  const align = [3, 1, 0];
  const s = tensor(
    align.flatMap((j) => [...h.data.subarray(j * D, (j + 1) * D)].map((x) => 2.5 * x)),
    [3, D],
  ).add(randn([3, D], 0.3));

  const luong = luongAttention(s.reshape([1, 3, D]), h.reshape([1, 4, D]), { score: "dot" });
  const sdpa = scaledDotProductAttention(s.reshape([1, 3, D]), h.reshape([1, 4, D]), h.reshape([1, 4, D]), {
    scale: 1,
  });
  let maxDiff = 0;
  for (const [a, b] of [
    [luong.weights, sdpa.weights],
    [luong.output, sdpa.output],
  ]) {
    a.data.forEach((x, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(x - b.data[i]));
    });
  }
  // Self-attention: the English sentence attends to itself (Q, K, V all from h).
  const self = attend(h, h, h, { score: "scaledDot" });
  return {
    english,
    hindi,
    luong: rows(luong.weights.reshape([3, 4])),
    sdpa: rows(sdpa.weights.reshape([3, 4])),
    maxDiff,
    self: rows(self.weights),
  };
}

function main(): void {
  const r = whySelf();
  const color = process.stdout.isTTY ? "truecolor" : "none";
  const map = (title: string, rows: string[], cols: string[], w: number[][]) =>
    heatmapTerminal(w, { title, rowLabels: rows, colLabels: cols, showValues: true, color, domain: [0, 1] });
  console.log(
    sideBySide(
      [
        map("Luong dot (cross): Hindi → English", r.hindi, r.english, r.luong),
        map("softmax(Q·Kᵀ)V with Q=s, K=V=h", r.hindi, r.english, r.sdpa),
        map("Self: English → English", r.english, r.english, r.self),
      ],
      4,
      "bottom",
    ),
  );
  console.log(
    `\nLuong dot attention = scaled-dot attention with Q = s, K = V = h, scale 1: max |difference| = ${r.maxDiff}`,
  );
  console.log('"Self": in the right-hand map queries and keys are the SAME sentence (intra-attention);');
  console.log(
    "in the left-hand maps they come from two sentences (inter-attention). The computation is identical.",
  );
}

if (import.meta.url === `file://${process.argv[1]}`) main();
