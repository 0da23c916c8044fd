/**
 * The font names every picture uses, apart from the font bytes (fonts.ts holds those, 82 kB of base64),
 * so the SVG and terminal renderers — and the package root — name the font without carrying it.
 */
/** The family name of the embedded font. */
export const EMBEDDED_FONT_FAMILY = "Noto Sans Devanagari";

/**
 * Font stack used by default: system UI fonts first, then Noto fallbacks that cover Devanagari (the font
 * the HTML report bundles) and CJK labels.
 */
export const DEFAULT_FONT_FAMILY = `system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', '${EMBEDDED_FONT_FAMILY}', 'Noto Sans CJK SC', sans-serif`;
