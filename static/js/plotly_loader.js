// @ts-check
// Plotly.js runs after the first paint: the page's <link rel="preload" id="plotly-src">
// fetches it from the start, and this adds its <script> once the first surface has had
// a frame to reach the screen, so parsing 1.5 MB does not hold that paint back.

/**
 * Resolve once `window.Plotly` exists, loading the script the preload link names.
 * @param {string} [linkId]
 * @returns {Promise<void>}
 */
export function loadPlotly(linkId = "plotly-src") {
  if (window.Plotly) return Promise.resolve();
  const link = document.getElementById(linkId);
  const src = link instanceof HTMLLinkElement ? link.href : "";
  if (!src) return Promise.reject(new Error(`no <link id="${linkId}"> names Plotly.js`));
  return new Promise((resolve, reject) => {
    const run = () => {
      const script = document.createElement("script");
      script.src = src;
      script.addEventListener("load", () => resolve());
      script.addEventListener("error", () => reject(new Error(`could not load Plotly.js from ${src}`)));
      document.head.append(script);
    };
    // After the next frame is drawn (a timeout queued in requestAnimationFrame runs after
    // that frame's paint), not before it. A hidden tab draws no frames: at once there.
    if (document.visibilityState === "hidden") run();
    else requestAnimationFrame(() => setTimeout(run, 0));
  });
}
