// The element dom.js el() makes for a tag name: svg, path and rect in the SVG
// namespace, every other known tag its HTML element type.

type SvgTag = "svg" | "path" | "rect";

type ElementFor<K extends string> = K extends SvgTag
  ? SVGElementTagNameMap[K]
  : K extends keyof HTMLElementTagNameMap
    ? HTMLElementTagNameMap[K]
    : HTMLElement;
