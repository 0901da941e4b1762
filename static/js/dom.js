// @ts-check
// The one DOM helper the page's modules share: el("div", {class: "x", text: "hi"}, parent).
// `text` sets textContent; every other key is an attribute. svg, path and rect are made
// in the SVG namespace, so the network diagram's links use the same helper.

const SVG_NS = "http://www.w3.org/2000/svg";
const SVG_TAGS = new Set(["svg", "path", "rect"]);

export function el(tag, attrs = {}, parent = null) {
  const node = SVG_TAGS.has(tag)
    ? document.createElementNS(SVG_NS, tag)
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  if (parent) parent.appendChild(node);
  return node;
}
