/**
 * A tiny well-formedness checker for the SVG/HTML the renderers emit: balanced tags, quoted attributes,
 * and no raw "<" or stray "&" in text or attribute values. Returns the elements it saw, in order.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  /** Concatenated direct text content, entities decoded. */
  text: string;
}

const ENTITY_RE = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function decode(s: string): string {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-fA-F]+);/g, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&amp;/g, "&");
}

function checkText(s: string, where: string): void {
  if (s.includes("<")) throw new Error(`raw "<" in ${where}: ${JSON.stringify(s.slice(0, 80))}`);
  if (s.replace(ENTITY_RE, "").includes("&"))
    throw new Error(`stray "&" in ${where}: ${JSON.stringify(s.slice(0, 80))}`);
}

/**
 * Parses `doc`, throwing on the first well-formedness error. `voidElements` (HTML's meta, br, …) need no
 * closing tag; `rawTextElements` (script, style) hold unparsed text up to their closing tag.
 */
export function checkWellFormed(
  doc: string,
  options: { voidElements?: string[]; rawTextElements?: string[] } = {},
): XmlElement[] {
  const voids = new Set(options.voidElements ?? []);
  const raw = new Set(options.rawTextElements ?? []);
  const elements: XmlElement[] = [];
  const stack: XmlElement[] = [];
  let roots = 0;
  let i = 0;
  while (i < doc.length) {
    const lt = doc.indexOf("<", i);
    const text = lt < 0 ? doc.slice(i) : doc.slice(i, lt);
    checkText(text, "text");
    if (stack.length > 0) stack[stack.length - 1].text += decode(text);
    else if (text.trim() !== "")
      throw new Error(`text outside the root element: ${JSON.stringify(text.slice(0, 40))}`);
    if (lt < 0) break;
    if (doc.startsWith("<!--", lt)) {
      const end = doc.indexOf("-->", lt);
      if (end < 0) throw new Error("unterminated comment");
      i = end + 3;
      continue;
    }
    if (doc.startsWith("<!", lt) || doc.startsWith("<?", lt)) {
      const end = doc.indexOf(">", lt);
      if (end < 0) throw new Error("unterminated declaration");
      i = end + 1;
      continue;
    }
    const gt = doc.indexOf(">", lt);
    if (gt < 0) throw new Error(`unterminated tag at ${lt}`);
    const tag = doc.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith("/")) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (!open) throw new Error(`closing </${name}> with nothing open`);
      if (open.name !== name) throw new Error(`closing </${name}> but <${open.name}> is open`);
      continue;
    }
    const selfClosing = tag.endsWith("/");
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const m = /^([A-Za-z][\w:-]*)/.exec(body);
    if (!m) throw new Error(`bad tag <${tag.slice(0, 40)}>`);
    const name = m[1];
    const attrs: Record<string, string> = {};
    let rest = body.slice(name.length);
    const attrRe = /^\s+([A-Za-z_:][\w:.-]*)(?:="([^"]*)")?/;
    for (;;) {
      const a = attrRe.exec(rest);
      if (!a) break;
      if (a[1] in attrs) throw new Error(`duplicate attribute ${a[1]} on <${name}>`);
      const value = a[2] ?? "";
      checkText(value, `attribute ${a[1]} of <${name}>`);
      attrs[a[1]] = decode(value);
      rest = rest.slice(a[0].length);
    }
    if (rest.trim() !== "")
      throw new Error(`unparsable attributes on <${name}>: ${JSON.stringify(rest.slice(0, 40))}`);
    const el: XmlElement = { name, attrs, text: "" };
    elements.push(el);
    if (stack.length === 0) roots++;
    if (roots > 1) throw new Error(`more than one root element (second: <${name}>)`);
    if (selfClosing || voids.has(name)) continue;
    if (raw.has(name)) {
      const close = doc.indexOf(`</${name}>`, i);
      if (close < 0) throw new Error(`unterminated <${name}>`);
      el.text = doc.slice(i, close);
      i = close + name.length + 3;
      continue;
    }
    stack.push(el);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.map((e) => e.name).join("> <")}>`);
  if (roots !== 1) throw new Error(`expected one root element, found ${roots}`);
  return elements;
}
