// One import batch of members in one statement: new members with their edges, changed
// properties, changed employers, and the rollup deltas of the unions and their ancestors.
// $created: list<map> — {certKey, id, props, unionId, employerId?, since, srcRow}
// $updated: list<map> — {certKey, props}
// $moved: list<map> — {certKey, employerId?, since, srcRow}: close the current employment, open one
// $deltas: list<map> — {unionId, delta: list<int>}: aggregated per union, applied up the chain
// $batchId: string — the import batch recorded on the new edges
UNWIND $created AS row
MATCH (u:Union {id: row.unionId})
MERGE (m:Member {certKey: row.certKey})
ON CREATE SET m.id = row.id
SET m += row.props
CREATE (m)-[:MEMBER_OF {since: row.since, srcBatch: $batchId, srcRow: row.srcRow}]->(u)
WITH m, row
OPTIONAL MATCH (e:Employer {id: row.employerId})
FOREACH (_ IN CASE WHEN e IS NULL THEN [] ELSE [1] END |
  CREATE (m)-[:EMPLOYED_BY {since: row.since, srcBatch: $batchId, srcRow: row.srcRow}]->(e))
WITH count(*) AS created
UNWIND $updated AS row
MATCH (m:Member {certKey: row.certKey})
SET m += row.props
WITH count(*) AS updated
UNWIND $moved AS row
MATCH (m:Member {certKey: row.certKey})
OPTIONAL MATCH (m)-[w:EMPLOYED_BY]->(:Employer)
WHERE w.until IS NULL
FOREACH (x IN CASE WHEN w IS NULL THEN [] ELSE [w] END | SET x.until = row.since)
WITH m, row, count(w) AS closed
OPTIONAL MATCH (e:Employer {id: row.employerId})
FOREACH (_ IN CASE WHEN e IS NULL THEN [] ELSE [1] END |
  CREATE (m)-[:EMPLOYED_BY {since: row.since, srcBatch: $batchId, srcRow: row.srcRow}]->(e))
WITH count(*) AS written
UNWIND $deltas AS d
MATCH (u:Union {id: d.unionId})
OPTIONAL MATCH path = (u)-[:AFFILIATED_TO*1..12]->(a:Union)
WHERE all(r IN relationships(path) WHERE r.until IS NULL)
WITH d, u, collect(a) AS above
UNWIND [u] + above AS x
WITH x, collect(d.delta) AS ds
SET x._lock = true
WITH x, ds
SET x.rollup = [i IN range(0, size(ds[0]) - 1) | coalesce(x.rollup[i], 0) + reduce(s = 0, v IN ds | s + v[i])]
REMOVE x._lock
RETURN count(x) AS touched
