/**
 * sacreBLEU 2.6.0's scores of the WMT17 en-de systems (shared/data/sacrebleu-wmt17-en-de), shared by
 * test/eval/bleu.test.ts (the library) and test/cli/score-files.test.ts (`qkv eval --hyp --ref`).
 */

/**
 * sacreBLEU 2.6.0 `corpus_bleu(hyp, [ref])` (13a, exp smoothing) on these files, computed in this
 * workspace with the pip wheel sacrebleu-2.6.0 (files read as UTF-8, split on "\n", final empty line
 * dropped): [score, counts].
 */
export const WMT17_SACREBLEU: Record<string, [number, number[]]> = {
  "C-3MA.4959": [22.674635039470754, [33969, 16493, 9174, 5285]],
  "FBK.4870": [26.3316213125408, [36411, 18895, 11007, 6629]],
  "KIT.4950": [26.076033504662192, [36317, 19034, 11186, 6809]],
  "LIUM-NMT.4900": [26.59580468309487, [36804, 19234, 11381, 6976]],
  "LMU-nmt-reranked.4934": [27.106980632624293, [36524, 19221, 11396, 7002]],
  "LMU-nmt-single.4893": [26.559243605505337, [36139, 18907, 11114, 6781]],
  "PROMT-Rule-based.4735": [16.60860658592576, [32121, 13565, 6733, 3525]],
  "RWTH-nmt-ensemble.4921": [26.02450077792544, [36400, 18848, 10956, 6565]],
  "SYSTRAN.4847": [26.71131225643856, [36184, 19034, 11188, 6809]],
  "TALP-UPC.4834": [21.240136329511696, [33712, 15801, 8434, 4676]],
  "online-A.0": [20.796506153855994, [34213, 15909, 8450, 4691]],
  "online-B.0": [26.651046216335573, [36838, 19402, 11447, 7012]],
  "online-F.0": [15.451735600953818, [30860, 12487, 5895, 2970]],
  "online-G.0": [18.158813584410634, [33814, 14503, 7388, 3913]],
  "uedin-nmt.4722": [28.301225088283296, [37673, 20379, 12397, 7771]],
  "xmu.4910": [26.688470044635626, [36437, 19063, 11230, 6830]],
};

/** Published Moses mteval-v13a.pl figures, as listed in sacreBLEU's test.sh (see SOURCE.md): [BLEU, decimals]. */
export const WMT17_PUBLISHED: Record<string, [number, number]> = {
  "uedin-nmt.4722": [28.3, 1],
  "C-3MA.4959": [22.67, 2],
  "online-F.0": [15.45, 2],
};

/** sacreBLEU 2.6.0 `corpus_bleu(..., tokenize="intl")`, computed like WMT17_SACREBLEU. */
export const WMT17_SACREBLEU_INTL: Record<string, number> = {
  "uedin-nmt.4722": 28.50263476521151,
  "online-A.0": 20.858908075345763,
  "online-G.0": 18.10165890074364,
};
