// @ts-check
// The DOM helpers the page's modules share: el("div", {class: "x", text: "hi"}, parent)
// makes an element, byId and find fetch one that must be there.
// `text` sets textContent; every other key is an attribute. svg, path and rect are made
// in the SVG namespace, so the network diagram's links use the same helper.

const SVG_NS = "http://www.w3.org/2000/svg";
const SVG_TAGS = new Set(["svg", "path", "rect"]);

/**
 * @template {string} K
 * @param {K} tag
 * @param {Record<string, string>} [attrs] `text` the text content, every other key an attribute
 * @param {Node | null} [parent]
 * @returns {ElementFor<K>}
 */
export function el(tag, attrs = {}, parent = null) {
  const node = SVG_TAGS.has(tag)
    ? document.createElementNS(SVG_NS, tag)
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  if (parent) parent.appendChild(node);
  // The tag picked the namespace and so the element's type (types/dom.d.ts ElementFor).
  return /** @type {ElementFor<K>} */ (node);
}

/**
 * The element with id `id`, which must be a `type` (any HTML element unless said): a page
 * without it is broken, so this names the missing element instead of failing later.
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @param {{new (): T, name: string}} [type]
 * @returns {T}
 */
export function byId(id, type) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no element #${id}`);
  if (type && !(node instanceof type)) throw new Error(`#${id} is not a ${type.name}`);
  // Without `type`, T is its default, HTMLElement.
  return /** @type {T} */ (node);
}

/**
 * The first element under `root` that matches `selector`, which must be there and be a
 * `type` (any HTML element unless said).
 * @template {HTMLElement} [T=HTMLElement]
 * @param {ParentNode} root
 * @param {string} selector
 * @param {{new (): T, name: string}} [type]
 * @returns {T}
 */
export function find(root, selector, type) {
  const node = root.querySelector(selector);
  if (!(node instanceof HTMLElement)) throw new Error(`no ${selector} in its panel`);
  if (type && !(node instanceof type)) throw new Error(`${selector} is not a ${type.name}`);
  // Without `type`, T is its default, HTMLElement.
  return /** @type {T} */ (node);
}
