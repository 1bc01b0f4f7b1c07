// @ts-check
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The modules app.js loads, directly or through others.
 * @param {string} file
 * @param {Set<string>} seen
 */
function graph(file, seen = new Set()) {
  const src = readFileSync(path.join(here, file), "utf8");
  for (const m of src.matchAll(/^import\s[^;]*?from\s+"\.\/([\w.-]+)";/gms)) {
    if (!seen.has(m[1])) {
      seen.add(m[1]);
      graph(m[1], seen);
    }
  }
  return seen;
}

test("the page preloads exactly the modules app.js imports", () => {
  const templ = readFileSync(path.join(here, "..", "templates", "page.templ"), "utf8");
  const m = /var modules = \[\]string\{([^}]*)\}/.exec(templ);
  assert.ok(m, "page.templ lists the modules");
  const listed = [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]).sort();
  assert.deepEqual(listed, [...graph("app.js")].sort());
});

test("every browser module is type-checked", () => {
  for (const f of readdirSync(here).filter((f) => f.endsWith(".js"))) {
    assert.match(readFileSync(path.join(here, f), "utf8"), /^\/\/ @ts-check\n/, f);
  }
});
