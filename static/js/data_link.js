// @ts-check
// Your own points in the URL: a link cannot hold thousands of points, so it holds their
// content hash (the server's `state.data.digest`, 12 hex digits of SHA-256) as
// `data=<digest>`, and a note says where the points themselves live: the CSV a person
// saved, or the run file (docs/PROTOCOL.md, "Your own points"). A link read back drops
// what needs the points (`dataset=custom...`, `classes`) until they are loaded. Pure.

export const DATA_KEY = "data";
const OWN_DATASETS = ["custom", "custom_regression"];
const DIGEST = /^[0-9a-f]{12}$/;

/**
 * The config query with `data=<digest>` added while the session trains on its own
 * points.
 * @param {string} query the server's Config.to_query()
 * @param {{digest: string, active: boolean} | null | undefined} data state.data
 */
export function withDigest(query, data) {
  if (!data || !data.active) return query;
  return [query, `${DATA_KEY}=${data.digest}`].filter(Boolean).join("&");
}

/**
 * Split a link's config query into what the page can send and the points it named.
 * @param {string} configQuery
 * @returns {{configQuery: string, digest: string | null, needsPoints: boolean,
 *   rejected: {name: string, text: string, reason: string}[]}}
 *   needsPoints: the link trained on its own points (a custom data set or a digest)
 */
export function takeDigest(configQuery) {
  const kept = new URLSearchParams();
  let digest = null;
  let needsPoints = false;
  const rejected = [];
  for (const [name, text] of new URLSearchParams(configQuery)) {
    if (name === DATA_KEY) {
      if (DIGEST.test(text)) digest = text;
      else rejected.push({ name, text, reason: "not a 12-digit content hash" });
      needsPoints = true;
    } else if (name === "dataset" && OWN_DATASETS.includes(text)) {
      needsPoints = true;
    } else if (name !== "classes") {
      kept.append(name, text);
    }
  }
  return { configQuery: kept.toString(), digest, needsPoints, rejected };
}

/**
 * What the page says about a link made with its own points, and about points loaded
 * afterwards.
 * @param {string | null} digest the link's
 * @param {string | null} [loaded] the digest of the points the session now holds
 */
export function linkNote(digest, loaded = null) {
  const which = digest ? ` (content hash ${digest})` : "";
  if (loaded && digest) {
    return loaded === digest
      ? `These are the link's points${which}.`
      : `The link was made with other points${which}; these have hash ${loaded}.`;
  }
  return `This link was made with someone's own points${which}. A link cannot hold them: `
    + "they live in the CSV file saved with Download, or in the run file. Load that file "
    + "here to train on them; until then the playground runs the link's other settings on the default data set.";
}
