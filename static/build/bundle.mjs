// Bundle the page (docs/PAGE.md "How the page is built"): static/js/main.js and the
// modules it imports become one minified file with a source map, and each stylesheet a
// minified copy, all under content-hashed names in static/dist/. manifest.json maps a
// source name ("js/main.js") to its built one ("dist/main-3KQ2X7AB.js"); the server
// reads it to write the page's <script> and <link> tags (app/assets.py).
//
// A hashed name changes whenever the content does, so the server may tell browsers to
// keep these files for a year. Run by `npm run build` (the Makefile's bundle step, the
// wheel's build hook, and a source checkout's server when a source is newer).

import { build } from "esbuild";
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const STATIC = join(ROOT, "static");
const OUT = join(STATIC, "dist");
const STYLES = readdirSync(join(STATIC, "css")).filter((f) => f.endsWith(".css")).sort();
const ENTRIES = ["js/main.js", ...STYLES.map((f) => `css/${f}`)];

mkdirSync(OUT, { recursive: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: ENTRIES.map((e) => join(STATIC, e)),
  outdir: OUT,
  outbase: STATIC,
  entryNames: "[name]-[hash]",
  bundle: true,
  format: "esm", // main.js waits for Plotly with a top-level await
  target: "es2022",
  minify: true,
  sourcemap: "linked",
  sourcesContent: true,
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
});

/** @type {Record<string, string>} */
const manifest = {};
for (const [out, info] of Object.entries(result.metafile.outputs)) {
  if (!info.entryPoint) continue;
  manifest[relative(STATIC, join(ROOT, info.entryPoint)).split("\\").join("/")] =
    relative(STATIC, join(ROOT, out)).split("\\").join("/");
}
for (const entry of ENTRIES) {
  if (!manifest[entry]) throw new Error(`esbuild wrote nothing for ${entry}`);
}

// Files of earlier builds go; a rename makes the new manifest appear whole.
const keep = new Set(Object.keys(result.metafile.outputs).map((o) => relative(OUT, join(ROOT, o))));
for (const f of readdirSync(OUT)) {
  if (!keep.has(f) && f !== "manifest.json") rmSync(join(OUT, f));
}
const tmp = join(OUT, `.manifest-${process.pid}.json`);
writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
renameSync(tmp, join(OUT, "manifest.json"));
