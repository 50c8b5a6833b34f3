// GraphiQL with the network closed: Debian's chromium driven by playwright-core (no browser
// download of a test tool). Usage: node graphiql_offline.mjs <base URL> <access token>
// Prints one JSON line: {"external": [...], "failed": [...], "result": "<result panel text>"}.
import { createRequire } from "node:module";

// playwright-core lives in api/graphiql/node_modules (the working directory), not beside this file
const { chromium } = createRequire(`${process.cwd()}/`)("playwright-core");

const [base, token] = process.argv.slice(2);
const local = (url) => {
  const u = new URL(url);
  return u.protocol === "data:" || u.hostname === "127.0.0.1" || u.hostname === "localhost";
};
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  // the network closed: no name resolves, only loopback is reachable
  args: ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--no-sandbox"],
});
const external = [];
const failed = [];
try {
  const context = await browser.newContext();
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (local(url)) return route.continue();
    external.push(url);
    return route.abort("internetdisconnected");
  });
  const page = await context.newPage();
  page.on("requestfailed", (r) => failed.push(r.url()));
  const query = "{ unions(first: 1) { edges { node { id name } } } }";
  const headers = JSON.stringify({ Authorization: `Bearer ${token}` });
  const url = `${base}/graphql?q=${encodeURIComponent(query)}&headers=${encodeURIComponent(headers)}`;
  await page.goto(url, { waitUntil: "load" });
  await page.locator(".graphiql-execute-button").click({ timeout: 30000 });
  await page.waitForFunction(
    () => /"edges"/.test(document.querySelector(".graphiql-response")?.innerText || ""),
    null,
    { timeout: 30000 },
  );
  const text = await page.locator(".graphiql-response").innerText();
  console.log(JSON.stringify({ external, failed, result: text }));
} finally {
  await browser.close();
}
