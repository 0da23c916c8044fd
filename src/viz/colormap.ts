/**
 * Perceptual colormaps for attention heatmaps, as 256-entry RGB tables.
 *
 * `viridis` and `magma` are the 256-colour tables of matplotlib (Stéfan van der Walt, Nathaniel Smith;
 * CC0), in the hex encoding that d3-scale-chromatic also uses. `greys` interpolates ColorBrewer's 9-class
 * "Greys" (white → black) to 256 entries. Everything here is plain data: safe in Node and browsers.
 */

/** Names of the built-in colormaps. */
export type ColormapName = "viridis" | "magma" | "greys";

/** An sRGB colour, each channel an integer in 0..255. */
export type RGB = [number, number, number];

/** The names accepted by {@link colorAt} and the renderers. */
export const COLORMAP_NAMES: readonly ColormapName[] = ["viridis", "magma", "greys"];

const VIRIDIS_HEX =
  "44015444025645045745055946075a46085c460a5d460b5e470d60470e6147106347116447136548146748166848176948186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576482677482878482979472a7a472c7a472d7b472e7c472f7d46307e46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f854240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b3b528b3a538b3a548c39558c39568c38588c38598c375a8c375b8d365c8d365d8d355e8d355f8d34608d34618d33628d33638d32648e32658e31668e31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e26828e26828e25838e25848e25858e24868e24878e23888e23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d21918c20928c20928c20938c1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f881fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa8325ab8225ac8226ad8127ad8128ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b32b67a34b67935b77937b87838b9773aba763bbb753dbc743fbc7340bd7242be7144bf7046c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc8635ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e81d34d84d44b86d54989d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21ad8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61ef6e620f8e621fbe723fde725";

const MAGMA_HEX =
  "00000401000501010601010802010902020b02020d03030f03031204041405041606051806051a07061c08071e0907200a08220b09240c09260d0a290e0b2b100b2d110c2f120d31130d34140e36150e38160f3b180f3d19103f1a10421c10441d11471e114920114b21114e22115024125325125527125829115a2a115c2c115f2d11612f116331116533106734106936106b38106c390f6e3b0f703d0f713f0f72400f74420f75440f764510774710784910784a10794c117a4e117b4f127b51127c52137c54137d56147d57157e59157e5a167e5c167f5d177f5f187f601880621980641a80651a80671b80681c816a1c816b1d816d1d816e1e81701f81721f817320817521817621817822817922827b23827c23827e24828025828125818326818426818627818827818928818b29818c29818e2a81902a81912b81932b80942c80962c80982d80992d809b2e7f9c2e7f9e2f7fa02f7fa1307ea3307ea5317ea6317da8327daa337dab337cad347cae347bb0357bb2357bb3367ab5367ab73779b83779ba3878bc3978bd3977bf3a77c03a76c23b75c43c75c53c74c73d73c83e73ca3e72cc3f71cd4071cf4070d0416fd2426fd3436ed5446dd6456cd8456cd9466bdb476adc4869de4968df4a68e04c67e24d66e34e65e44f64e55064e75263e85362e95462ea5661eb5760ec5860ed5a5fee5b5eef5d5ef05f5ef1605df2625df2645cf3655cf4675cf4695cf56b5cf66c5cf66e5cf7705cf7725cf8745cf8765cf9785df9795df97b5dfa7d5efa7f5efa815ffb835ffb8560fb8761fc8961fc8a62fc8c63fc8e64fc9065fd9266fd9467fd9668fd9869fd9a6afd9b6bfe9d6cfe9f6dfea16efea36ffea571fea772fea973feaa74feac76feae77feb078feb27afeb47bfeb67cfeb77efeb97ffebb81febd82febf84fec185fec287fec488fec68afec88cfeca8dfecc8ffecd90fecf92fed194fed395fed597fed799fed89afdda9cfddc9efddea0fde0a1fde2a3fde3a5fde5a7fde7a9fde9aafdebacfcecaefceeb0fcf0b2fcf2b4fcf4b6fcf6b8fcf7b9fcf9bbfcfbbdfcfdbf";

/** ColorBrewer "Greys", 9 classes, light to dark. */
const GREYS_CONTROL_HEX = "fffffff0f0f0d9d9d9bdbdbd969696737373525252252525000000";

function parseHexTable(hex: string): RGB[] {
  const out: RGB[] = [];
  for (let i = 0; i + 6 <= hex.length; i += 6) {
    out.push([
      Number.parseInt(hex.slice(i, i + 2), 16),
      Number.parseInt(hex.slice(i + 2, i + 4), 16),
      Number.parseInt(hex.slice(i + 4, i + 6), 16),
    ]);
  }
  return out;
}

/** Expands control points (evenly spaced over [0, 1]) to an n-entry table by linear RGB interpolation. */
function interpolateControls(controls: RGB[], n: number): RGB[] {
  const out: RGB[] = [];
  const last = controls.length - 1;
  for (let i = 0; i < n; i++) {
    const pos = (i / (n - 1)) * last;
    const k = Math.min(last - 1, Math.floor(pos));
    const f = pos - k;
    const a = controls[k];
    const b = controls[k + 1];
    out.push([
      Math.round(a[0] + (b[0] - a[0]) * f),
      Math.round(a[1] + (b[1] - a[1]) * f),
      Math.round(a[2] + (b[2] - a[2]) * f),
    ]);
  }
  return out;
}

const tables = new Map<ColormapName, readonly RGB[]>();

/** The 256-entry table of a colormap (index 0 ↔ t = 0, index 255 ↔ t = 1). Entries must not be mutated. */
export function colormapTable(name: ColormapName): readonly RGB[] {
  let table = tables.get(name);
  if (table) return table;
  switch (name) {
    case "viridis":
      table = parseHexTable(VIRIDIS_HEX);
      break;
    case "magma":
      table = parseHexTable(MAGMA_HEX);
      break;
    case "greys":
      table = interpolateControls(parseHexTable(GREYS_CONTROL_HEX), 256);
      break;
    default:
      throw new Error(
        `colormapTable: unknown colormap ${JSON.stringify(name)} (expected one of ${COLORMAP_NAMES.join(", ")})`,
      );
  }
  tables.set(name, table);
  return table;
}

/** True when `name` is one of the built-in colormaps. */
export function isColormapName(name: unknown): name is ColormapName {
  return typeof name === "string" && (COLORMAP_NAMES as readonly string[]).includes(name);
}

/**
 * The colour of `name` at `t` ∈ [0, 1] (values outside are clamped), linearly interpolated between the
 * two nearest of the 256 table entries.
 */
export function colorAt(name: ColormapName, t: number): RGB {
  if (!isColormapName(name)) {
    throw new Error(
      `colorAt: unknown colormap ${JSON.stringify(name)} (expected one of ${COLORMAP_NAMES.join(", ")})`,
    );
  }
  if (Number.isNaN(t)) throw new Error("colorAt: t is NaN (expected a number in [0, 1])");
  const table = colormapTable(name);
  const pos = Math.min(1, Math.max(0, t)) * (table.length - 1);
  const k = Math.min(table.length - 2, Math.floor(pos));
  const f = pos - k;
  const a = table[k];
  const b = table[k + 1];
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

/** `#rrggbb` for an RGB triple. */
export function toHex(rgb: RGB): string {
  return `#${rgb
    .map((c) =>
      Math.max(0, Math.min(255, Math.round(c)))
        .toString(16)
        .padStart(2, "0"),
    )
    .join("")}`;
}

/** WCAG relative luminance of an sRGB colour, in [0, 1]. */
export function relativeLuminance(rgb: RGB): number {
  const lin = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
}

/** Black or white, whichever has the higher WCAG contrast ratio against `background`. */
export function contrastColor(background: RGB): RGB {
  const l = relativeLuminance(background);
  const withBlack = (l + 0.05) / 0.05;
  const withWhite = 1.05 / (l + 0.05);
  return withBlack >= withWhite ? [0, 0, 0] : [255, 255, 255];
}
