// @ts-check
// The view toggles (what the charts show, not what the server trains) and their place
// in the URL hash beside the config. The config part of the hash is the engine's
// Config.to_query(); the view part adds only the toggles that differ from their
// defaults, in the same key=0/1 form, so a copied link shows the same view. Pure: no DOM.

/** @typedef {{show_test: boolean, discretize: boolean, log_loss: boolean, log_epochs: boolean, show_acc: boolean}} View */

/** @type {View} */
export const VIEW_DEFAULTS = Object.freeze({
  show_test: false, // the test points on the surface
  discretize: false, // the surface thresholded at the middle of the label range
  log_loss: true, // the loss chart's y axis: the drop and the plateaus both show
  log_epochs: true, // its x axis: follows the auto pacing, equal time per decade
  show_acc: false, // accuracy on a second axis of the loss chart
});

const NAMES = /** @type {(keyof View)[]} */ (Object.keys(VIEW_DEFAULTS));

/**
 * @param {string} name
 * @returns {name is keyof View}
 */
export function isViewName(name) {
  return NAMES.includes(/** @type {keyof View} */ (name));
}

// Split a hash into its config query (left for the schema to parse) and the view.
// A view key with a value other than 0/1 is rejected, with the reason.
/** @param {string} hash */
export function splitHash(hash) {
  /** @type {View} */
  const view = { ...VIEW_DEFAULTS };
  const config = new URLSearchParams();
  const rejected = [];
  for (const [name, text] of new URLSearchParams(hash.replace(/^[#?]/, ""))) {
    if (!isViewName(name)) config.append(name, text);
    else if (text === "1" || text === "0") view[name] = text === "1";
    else rejected.push({ name, text, reason: "not 0 or 1" });
  }
  return { configQuery: config.toString(), view, rejected };
}

// The view's non-default toggles as `name=0|1` joined by `&`, in a fixed order.
/** @param {View} view */
export function viewQuery(view) {
  return NAMES.filter((n) => Boolean(view[n]) !== VIEW_DEFAULTS[n])
    .map((n) => `${n}=${view[n] ? 1 : 0}`)
    .join("&");
}

// The whole hash (without '#'): the server's config query, then the view.
/** @param {string} configQuery @param {View} view */
export function joinHash(configQuery, view) {
  return [configQuery, viewQuery(view)].filter(Boolean).join("&");
}
