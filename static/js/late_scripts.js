// @ts-check
// Plotly.js and the Socket.IO client run after the first paint: the page's
// <link rel="preload"> tags fetch them from the start, and this adds their <script>s once
// the first surface has had a frame to reach the screen, so parsing 1.5 MB does not hold
// that paint back (docs/PAGE.md "How the page is built and served").

/**
 * Resolve once the scripts the preload links `linkIds` name have run.
 * @param {string[]} linkIds
 * @returns {Promise<void>}
 */
export function loadLateScripts(linkIds) {
  const sources = linkIds.map((id) => {
    const link = document.getElementById(id);
    if (!(link instanceof HTMLLinkElement) || !link.href) {
      throw new Error(`no <link id="${id}"> names a script to load`);
    }
    return link.href;
  });
  return new Promise((resolve, reject) => {
    const run = () => {
      Promise.all(sources.map((src) => new Promise((loaded, failed) => {
        const script = document.createElement("script");
        script.src = src;
        script.addEventListener("load", () => loaded(undefined));
        script.addEventListener("error", () => failed(new Error(`could not load ${src}`)));
        document.head.append(script);
      }))).then(() => resolve(), reject);
    };
    // After the next frame is drawn (a timeout queued in requestAnimationFrame runs after
    // that frame's paint), not before it. A hidden tab draws no frames: at once there.
    if (document.visibilityState === "hidden") run();
    else requestAnimationFrame(() => setTimeout(run, 0));
  });
}
