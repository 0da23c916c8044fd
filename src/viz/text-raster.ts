/**
 * Text into pixels, with no canvas and no system fonts, in Node and browsers alike: a string is shaped
 * with fontkit (OpenType layout, including its Indic shaper, so Devanagari conjuncts, reordered vowel
 * signs and mark positions come out as a browser draws them) in the embedded Noto Sans Devanagari
 * (fonts.ts), and the glyph outlines are filled into an RGBA image with anti-aliased coverage.
 *
 * Why fontkit: it is the maintained font engine behind pdfkit, parses WOFF2 synchronously from bytes, and
 * shapes complex scripts; opentype.js (lighter) has no Indic shaping, harfbuzzjs shapes exactly but is a
 * WebAssembly module that loads asynchronously, which would make the PNG renderers asynchronous.
 *
 * Coverage of a pixel is the area of it inside the outline (nonzero winding rule), estimated on
 * SUBSAMPLES horizontal lines per pixel row with exact horizontal extents:
 *   coverage(px, py) = (1/S) Σ_{k<S} |{x ∈ [px, px+1) : winding(x, py + (k+½)/S) ≠ 0}|
 * and a pixel is blended as out = (1 − c)·background + c·colour with c = min(1, coverage).
 */
import * as fontkit from "fontkit";
import type { RGB } from "./colormap.js";
import { base64ToBytes, EMBEDDED_FONT_SUBSETS } from "./fonts.js";
import type { RgbaImage } from "./png.js";

type Font = fontkit.Font;
type Glyph = fontkit.Glyph;

let fonts: Font[] | undefined;

/** The embedded subsets, parsed once (Latin first). */
function embeddedFonts(): Font[] {
  if (!fonts) {
    fonts = EMBEDDED_FONT_SUBSETS.map((s) => {
      const bytes = base64ToBytes(s.base64) as unknown as Parameters<typeof fontkit.create>[0];
      const f = fontkit.create(bytes);
      if (!("layout" in f)) throw new Error(`text-raster: embedded font subset ${s.name} is a collection`);
      return f;
    });
  }
  return fonts;
}

/** One shaped glyph: its outline source and where its origin sits, in px from the text's start. */
export interface ShapedGlyph {
  glyph: Glyph;
  /** Font units → px for this glyph's font. */
  scale: number;
  x: number;
  /** Offset of the glyph origin above the baseline, px (mark positioning). */
  y: number;
}

/** A string laid out on one baseline at a font size: its glyphs and advance width, in px. */
export interface ShapedText {
  glyphs: ShapedGlyph[];
  width: number;
  fontSize: number;
}

/**
 * Splits `text` into runs of one font each (staying in the current font while it has the character, so
 * spaces and joiners stay inside a Hindi run), shapes each run with fontkit, and places the glyphs.
 * Characters no embedded font covers (e.g. CJK) come out as the font's missing-glyph box.
 */
export function shapeText(text: string, fontSize: number): ShapedText {
  const all = embeddedFonts();
  const runs: { font: Font; text: string }[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    const last = runs[runs.length - 1];
    if (last?.font.hasGlyphForCodePoint(cp)) {
      last.text += ch;
      continue;
    }
    const font = all.find((f) => f.hasGlyphForCodePoint(cp)) ?? last?.font ?? all[0];
    if (last && last.font === font) last.text += ch;
    else runs.push({ font, text: ch });
  }
  const glyphs: ShapedGlyph[] = [];
  let pen = 0;
  for (const run of runs) {
    const scale = fontSize / run.font.unitsPerEm;
    const laid = run.font.layout(run.text);
    laid.glyphs.forEach((glyph, k) => {
      const p = laid.positions[k];
      glyphs.push({ glyph, scale, x: pen + p.xOffset * scale, y: p.yOffset * scale });
      pen += p.xAdvance * scale;
    });
  }
  return { glyphs, width: pen, fontSize };
}

/** Advance width of `text` in px at `fontSize`, as {@link drawText} lays it out. */
export function measureText(text: string, fontSize: number): number {
  return shapeText(text, fontSize).width;
}

export interface DrawTextOptions {
  fontSize: number;
  color: RGB;
  /** Which point of the text sits at (x, y) horizontally, as SVG's text-anchor (default "start"). */
  anchor?: "start" | "middle" | "end";
  /** "alphabetic" (default): y is the baseline; "central": y is the middle of the text, as SVG's. */
  baseline?: "alphabetic" | "central";
  /** Counter-clockwise rotation in degrees about (x, y), as SVG's rotate(−angle) (default 0). */
  angle?: number;
}

/** Distance from the central line down to the baseline, in em (about half the cap height). */
const CENTRAL_EM = 0.35;
/** Sub-scanlines per pixel row. */
const SUBSAMPLES = 4;

/** An outline segment in image coordinates. */
export type Edge = [x0: number, y0: number, x1: number, y1: number];

/**
 * Flattens the outlines of `shaped` into line segments in image coordinates, with the text's anchor at
 * (x, y) and the rotation of `options`.
 */
function outlineEdges(shaped: ShapedText, x: number, y: number, options: DrawTextOptions): Edge[] {
  const fs = shaped.fontSize;
  const anchor = options.anchor ?? "start";
  const du = anchor === "middle" ? -shaped.width / 2 : anchor === "end" ? -shaped.width : 0;
  const dv = (options.baseline ?? "alphabetic") === "central" ? CENTRAL_EM * fs : 0;
  const theta = (-(options.angle ?? 0) * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const edges: Edge[] = [];
  for (const g of shaped.glyphs) {
    // Font units (y up) → text coordinates (u along the baseline, v down) → image coordinates.
    const toImage = (gx: number, gy: number): [number, number] => {
      const u = g.x + gx * g.scale + du;
      const v = -(g.y + gy * g.scale) + dv;
      return [x + u * cos - v * sin, y + u * sin + v * cos];
    };
    let start: [number, number] | undefined;
    let cur: [number, number] = [0, 0];
    const lineTo = (p: [number, number]) => {
      edges.push([cur[0], cur[1], p[0], p[1]]);
      cur = p;
    };
    const close = () => {
      if (start && (cur[0] !== start[0] || cur[1] !== start[1])) lineTo(start);
    };
    const curve = (ctrl: [number, number][], end: [number, number]) => {
      const pts = [cur, ...ctrl, end];
      let len = 0;
      for (let k = 1; k < pts.length; k++)
        len += Math.hypot(pts[k][0] - pts[k - 1][0], pts[k][1] - pts[k - 1][1]);
      const steps = Math.max(2, Math.min(32, Math.ceil(len / 1.5)));
      const p0 = cur;
      for (let s = 1; s <= steps; s++) {
        const t = s / steps;
        const m = 1 - t;
        if (ctrl.length === 1) {
          const [c] = ctrl;
          lineTo([
            m * m * p0[0] + 2 * m * t * c[0] + t * t * end[0],
            m * m * p0[1] + 2 * m * t * c[1] + t * t * end[1],
          ]);
        } else {
          const [c1, c2] = ctrl;
          lineTo([
            m * m * m * p0[0] + 3 * m * m * t * c1[0] + 3 * m * t * t * c2[0] + t * t * t * end[0],
            m * m * m * p0[1] + 3 * m * m * t * c1[1] + 3 * m * t * t * c2[1] + t * t * t * end[1],
          ]);
        }
      }
    };
    for (const { command, args } of g.glyph.path.commands) {
      if (command === "moveTo") {
        close();
        start = cur = toImage(args[0], args[1]);
      } else if (command === "lineTo") {
        lineTo(toImage(args[0], args[1]));
      } else if (command === "quadraticCurveTo") {
        curve([toImage(args[0], args[1])], toImage(args[2], args[3]));
      } else if (command === "bezierCurveTo") {
        curve([toImage(args[0], args[1]), toImage(args[2], args[3])], toImage(args[4], args[5]));
      } else if (command === "closePath") {
        close();
        start = undefined;
      }
    }
    close();
  }
  return edges;
}

/**
 * Fills closed polygons given as `edges` into `img` in `color` (nonzero winding, anti-aliased). Returns
 * the number of pixels it touched. Exposed so that the coverage rule can be tested on exact shapes.
 */
export function fillEdges(img: RgbaImage, edges: readonly Edge[], color: RGB): number {
  if (edges.length === 0) return 0;
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const [x0, y0, x1, y1] of edges) {
    minX = Math.min(minX, x0, x1);
    maxX = Math.max(maxX, x0, x1);
    minY = Math.min(minY, y0, y1);
    maxY = Math.max(maxY, y0, y1);
  }
  const bx0 = Math.max(0, Math.floor(minX));
  const by0 = Math.max(0, Math.floor(minY));
  const bx1 = Math.min(img.width, Math.ceil(maxX));
  const by1 = Math.min(img.height, Math.ceil(maxY));
  if (bx1 <= bx0 || by1 <= by0) return 0;
  const bw = bx1 - bx0;
  const cov = new Float32Array(bw);
  const crossings: [number, number][] = [];
  const wgt = 1 / SUBSAMPLES;
  let touched = 0;
  for (let py = by0; py < by1; py++) {
    cov.fill(0);
    for (let k = 0; k < SUBSAMPLES; k++) {
      const ys = py + (k + 0.5) * wgt;
      crossings.length = 0;
      for (const [x0, y0, x1, y1] of edges) {
        if (y0 === y1) continue;
        const up = y1 < y0;
        const lo = up ? y1 : y0;
        const hi = up ? y0 : y1;
        if (ys < lo || ys >= hi) continue;
        crossings.push([x0 + ((ys - y0) * (x1 - x0)) / (y1 - y0), up ? -1 : 1]);
      }
      if (crossings.length < 2) continue;
      crossings.sort((p, q) => p[0] - q[0]);
      let winding = 0;
      let spanStart = 0;
      for (const [cx, dir] of crossings) {
        const before = winding;
        winding += dir;
        if (before === 0 && winding !== 0) spanStart = cx;
        else if (before !== 0 && winding === 0) addSpan(cov, spanStart - bx0, cx - bx0, wgt);
      }
    }
    for (let i = 0; i < bw; i++) {
      const c = Math.min(1, cov[i]);
      if (c <= 0) continue;
      touched++;
      const o = (py * img.width + bx0 + i) * 4;
      for (let ch = 0; ch < 3; ch++)
        img.rgba[o + ch] = Math.round(img.rgba[o + ch] * (1 - c) + color[ch] * c);
      img.rgba[o + 3] = Math.round(img.rgba[o + 3] * (1 - c) + 255 * c);
    }
  }
  return touched;
}

/** Adds `wgt` × the length of [a, b) ∩ [px, px + 1) to each pixel px of `cov`. */
function addSpan(cov: Float32Array, a: number, b: number, wgt: number): void {
  a = Math.max(0, a);
  b = Math.min(cov.length, b);
  if (b <= a) return;
  const ia = Math.floor(a);
  const ib = Math.floor(b);
  if (ia === ib) {
    cov[ia] += (b - a) * wgt;
    return;
  }
  cov[ia] += (ia + 1 - a) * wgt;
  for (let p = ia + 1; p < ib; p++) cov[p] += wgt;
  if (ib < cov.length) cov[ib] += (b - ib) * wgt;
}

/**
 * Draws `text` into `img` with its anchor at (x, y), shaped in the embedded font (see the module
 * comment). Returns the number of pixels it inked.
 */
export function drawText(
  img: RgbaImage,
  text: string,
  x: number,
  y: number,
  options: DrawTextOptions,
): number {
  const shaped = shapeText(text, options.fontSize);
  return fillEdges(img, outlineEdges(shaped, x, y, options), options.color);
}
