// Copies the pinned browser files from node_modules into internal/web/static/vendor/ with
// their licences. The copies are committed: `go build` must never need npm.
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const out = join(root, "internal", "web", "static", "vendor");
mkdirSync(out, { recursive: true });

const files = [
  ["htmx.org/dist/htmx.min.js", "htmx.min.js"],
  ["htmx.org/LICENSE", "htmx.LICENSE"],
];
for (const [from, to] of files) {
  copyFileSync(join(root, "node_modules", from), join(out, to));
}
const pkg = JSON.parse(readFileSync(join(root, "node_modules", "htmx.org", "package.json"), "utf8"));
console.log(`vendored htmx.org ${pkg.version} into ${out}`);
