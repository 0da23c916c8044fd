/** A tiny element builder: el("p", { class: "x" }, "text", child). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** The element with this id (throws when the page lacks it). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`explorer: no element #${id}`);
  return e as T;
}

/** Replaces the children of `parent`. */
export function fill(parent: Element, ...children: (Node | string)[]): void {
  parent.replaceChildren(...children);
}

/** An SVG string as an element (our own SVG from qkv/viz, never user text). */
export function svgElement(svg: string): Element {
  const t = document.createElement("template");
  t.innerHTML = svg.trim();
  return t.content.firstElementChild!;
}
