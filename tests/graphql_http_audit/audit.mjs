// Runs graphql-http's GraphQL-over-HTTP server audits against a live union-tree server.
// Usage: node audit.mjs <graphql url>   (env AUDIT_TOKEN: a bearer token sent with every request)
// Prints one JSON line per audit: {"id", "name", "status", "reason"}; exit code 0 always
// (the pytest side judges the results).
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
const token = process.env.AUDIT_TOKEN;
if (!url) {
  console.error('usage: node audit.mjs <graphql url>');
  process.exit(2);
}

// every request carries the caller's token: the server answers 401 to anonymous GraphQL
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers || {});
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

for (const audit of serverAudits({ url, fetchFn })) {
  const result = await audit.fn();
  const line = { id: audit.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    line.reason = result.reason;
    try {
      line.response = { status: result.response.status,
        contentType: result.response.headers.get('content-type'),
        body: (await result.response.text()).slice(0, 300) };
    } catch { /* body already read by the audit */ }
  }
  console.log(JSON.stringify(line));
}
