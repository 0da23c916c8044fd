/**
 * npm run explore -- [--port P] [--build]: builds the explorer when needed (web/ → web/dist) and serves it
 * at http://127.0.0.1:P/ (default 5180) with COOP/COEP headers, until stopped (Ctrl-C).
 */
import { buildWeb, serveStatic, WEB_DIST } from "./web.js";

const args = process.argv.slice(2);
const at = args.indexOf("--port");
const port = at >= 0 ? Number(args[at + 1]) : 5180;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`explore: --port must be an integer in 0..65535, got "${args[at + 1]}"`);
  process.exit(1);
}
const built = await buildWeb({ force: args.includes("--build") });
console.log(built ? `built ${WEB_DIST}` : `${WEB_DIST} is up to date`);
const { url } = await serveStatic(WEB_DIST, port);
console.log(`qkv explorer: ${url}  (cross-origin isolated; Ctrl-C to stop)`);
