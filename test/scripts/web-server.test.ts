/**
 * The explorer's static server (scripts/web.ts `serveStatic`) against hostile requests, over loopback
 * with raw sockets: 1,000 malformed request lines and paths (bad escapes such as `/%`, NUL bytes,
 * traversal, odd methods, garbage bytes) never take it down — it still answers a good GET afterwards —
 * and nothing outside its root is ever served. Also: GET/HEAD only (405 with Allow), symbolic links
 * out of the root refused, `X-Content-Type-Options: nosniff` on every answer. The server runs in a
 * child process, as `npm run explore` runs it, so an uncaught exception shows as a dead server.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "qkv-web-server-"));
const site = join(tmp, "site");
const outside = join(tmp, "outside");
const SECRET = "SECRET-OUTSIDE-THE-ROOT";
let child: ChildProcess;
let port = 0;

beforeAll(async () => {
  mkdirSync(join(site, "sub"), { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(site, "index.html"), "<!doctype html><title>ok</title>");
  writeFileSync(join(site, "sub", "a.js"), "export const a = 1;\n");
  writeFileSync(join(site, ".hidden"), SECRET);
  writeFileSync(join(site, "big.bin"), Buffer.alloc(3 * 2 ** 20, 7));
  writeFileSync(join(outside, "secret.txt"), SECRET);
  symlinkSync(join(outside, "secret.txt"), join(site, "link-out.txt"));
  symlinkSync(outside, join(site, "dir-out"));
  symlinkSync(join(site, "sub", "a.js"), join(site, "link-in.js"));
  const code = `import(${JSON.stringify(join(root, "scripts/web.ts"))}).then((m) => m.serveStatic(${JSON.stringify(site)}, 0)).then(({ url }) => console.log(url));`;
  child = spawn(process.execPath, ["--import", "tsx", "-e", code], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
      const m = /127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on("exit", (c) => reject(new Error(`server exited (${c}): ${stderr}`)));
  });
}, 60_000);

afterAll(() => {
  child?.kill();
});

interface Answer {
  status: number | null;
  head: string;
  body: string;
  raw: string;
  /** "answered", "closed" (connection closed without a response) or "timeout". */
  end: "answered" | "closed" | "timeout" | "refused";
}

/** Sends raw bytes; resolves with what came back once the server closes, or after 5 s. */
function raw(bytes: Buffer | string): Promise<Answer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const s = connect(port, "127.0.0.1");
    const done = (end: Answer["end"]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      const split = text.indexOf("\r\n\r\n");
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({
        status: m ? Number(m[1]) : null,
        head: split >= 0 ? text.slice(0, split) : text,
        body: split >= 0 ? text.slice(split + 4) : "",
        raw: text,
        end: m ? "answered" : end,
      });
    };
    const timer = setTimeout(() => done("timeout"), 5000);
    s.on("data", (d) => chunks.push(d));
    s.on("end", () => done("closed"));
    s.on("close", () => done("closed"));
    s.on("error", (e) => done((e as NodeJS.ErrnoException).code === "ECONNREFUSED" ? "refused" : "closed"));
    s.write(bytes);
  });
}

const request = (line: string, extra = "") => `${line}\r\nHost: x\r\n${extra}Connection: close\r\n\r\n`;
const header = (a: Answer, name: string) =>
  new RegExp(`^${name}: *(.*)$`, "im").exec(a.head)?.[1]?.trim() ?? null;

/** Deterministic pseudo-random numbers (so a failure can be replayed). */
function lcg(seed: number) {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** 1,000 malformed or hostile requests: bad escapes, traversal, NUL, odd methods, garbage bytes. */
function fuzzCases(n: number): Buffer[] {
  const rnd = lcg(20);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const pieces = [
    "%",
    "%%",
    "%z",
    "%zz",
    "%e0%80",
    "%c0%af",
    "%ff",
    "%00",
    "%2e%2e",
    "%2e%2e%2f",
    "..",
    "../",
    "..%2f",
    "%5c..%5c",
    "\\..\\",
    ".hidden",
    "link-out.txt",
    "dir-out/secret.txt",
    "sub",
    "sub/",
    "index.html",
    "?",
    "#",
    "%3f",
    "//",
    "~",
    "\u00e9",
    "\u{1F600}",
    "a".repeat(300),
  ];
  const methods = [
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "OPTIONS",
    "TRACE",
    "CONNECT",
    "PATCH",
    "G ET",
    "get",
    "BREW",
    "",
  ];
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 5;
    if (kind === 4) {
      // garbage bytes ending like a request
      const len = 1 + Math.floor(rnd() * 200);
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = Math.floor(rnd() * 256);
      out.push(Buffer.concat([b, Buffer.from("\r\n\r\n")]));
      continue;
    }
    let path = pick(["/", "", "*", "http://x/", "/sub/", "//", "/.."]);
    const k = 1 + Math.floor(rnd() * 5);
    for (let j = 0; j < k; j++) path += pick(pieces) + (rnd() < 0.4 ? "/" : "");
    const method = kind === 3 ? pick(methods) : "GET";
    const version = rnd() < 0.9 ? " HTTP/1.1" : pick(["", " HTTP/9.9", " HTTP/1.1 extra", " http/1.1"]);
    out.push(Buffer.from(request(`${method} ${path}${version}`), kind === 2 ? "latin1" : "utf8"));
  }
  return out;
}

describe("serveStatic: hostile requests", () => {
  it("survives 1,000 malformed request lines and paths, serves nothing outside its root, then answers a good GET", async () => {
    const cases = fuzzCases(1000);
    const answers: Answer[] = new Array(cases.length);
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const i = next++;
        answers[i] = await raw(cases[i]);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const bad = answers
      .map((a, i) => ({ a, i }))
      .filter(({ a }) => a.end === "timeout" || a.end === "refused" || a.raw.includes(SECRET));
    expect(
      bad
        .slice(0, 5)
        .map(({ a, i }) => `${JSON.stringify(cases[i].toString("latin1"))} → ${a.end} ${a.raw.slice(0, 80)}`),
    ).toEqual([]);
    // Every answer is a well-formed status, none a server error; the bad escapes are 400s.
    for (const a of answers) if (a.status !== null) expect(a.status).toBeLessThan(500);
    const percent = await raw(request("GET /% HTTP/1.1"));
    expect(percent.status).toBe(400);
    expect(header(percent, "X-Content-Type-Options")).toBe("nosniff");
    const good = await raw(request("GET /index.html HTTP/1.1"));
    expect(good.status).toBe(200);
    expect(good.body).toBe("<!doctype html><title>ok</title>");
    expect(child.exitCode).toBe(null);
  }, 120_000);

  it("serves GET and HEAD only: 405 with Allow otherwise", async () => {
    for (const m of ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"]) {
      const a = await raw(request(`${m} /index.html HTTP/1.1`, "Content-Length: 0\r\n"));
      expect(a.status, m).toBe(405);
      expect(header(a, "Allow"), m).toBe("GET, HEAD");
    }
    const head = await raw(request("HEAD /index.html HTTP/1.1"));
    expect(head.status).toBe(200);
    expect(header(head, "Content-Length")).toBe("32");
    expect(head.body).toBe("");
  });

  it("refuses symbolic links out of the root, dot files and traversal; follows links that stay inside", async () => {
    for (const p of [
      "/link-out.txt",
      "/dir-out/secret.txt",
      "/.hidden",
      "/../outside/secret.txt",
      "/%2e%2e/outside/secret.txt",
      "/sub/%2e%2e/%2e%2e/outside/secret.txt",
    ]) {
      const a = await raw(request(`GET ${p} HTTP/1.1`));
      expect(a.status, p).toBe(404);
      expect(a.raw, p).not.toContain(SECRET);
    }
    const inside = await raw(request("GET /link-in.js HTTP/1.1"));
    expect(inside.status).toBe(200);
    expect(inside.body).toBe("export const a = 1;\n");
  });

  it("sends nosniff, the type and the length on files; streams a large file whole", async () => {
    const js = await raw(request("GET /sub/a.js HTTP/1.1"));
    expect(js.status).toBe(200);
    expect(header(js, "X-Content-Type-Options")).toBe("nosniff");
    expect(header(js, "Content-Type")).toBe("text/javascript; charset=utf-8");
    const big = await fetch(`http://127.0.0.1:${port}/big.bin`);
    expect(big.status).toBe(200);
    expect(big.headers.get("x-content-type-options")).toBe("nosniff");
    const body = new Uint8Array(await big.arrayBuffer());
    expect(body.length).toBe(3 * 2 ** 20);
    expect(body.every((b) => b === 7)).toBe(true);
    const missing = await fetch(`http://127.0.0.1:${port}/nope.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
