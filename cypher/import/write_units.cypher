// One import batch of unions and employers in one statement: upserted nodes, new affiliation
// and coverage edges (a linked union's ancestor path u.path is stored from its live chain once all
// links of the batch exist), and the rollup deltas of the unions and their ancestors.
// $unions: list<map> — {id, props}
// $links: list<map> — {childId, parentId, since, srcRow}: new AFFILIATED_TO edges
// $employers: list<map> — {id, props}
// $covers: list<map> — {unionId, employerId, since, srcRow}: new COVERS edges
// $deltas: list<list> — [0 unionId, 1.. rollup delta ints]: aggregated per union, applied up the chain
// $batchId: string — the import batch recorded on the new edges
UNWIND $unions AS row
MERGE (u:Union {id: row.id})
ON CREATE SET u.path = []
SET u += row.props
WITH count(*) AS unions
UNWIND $links AS row
MATCH (c:Union {id: row.childId})
MATCH (p:Union {id: row.parentId})
CREATE (c)-[:AFFILIATED_TO {since: row.since, srcBatch: $batchId, srcRow: row.srcRow}]->(p)
WITH count(*) AS links
UNWIND $links AS row
MATCH (c:Union {id: row.childId})
OPTIONAL MATCH path = (c)-[:AFFILIATED_TO*1..12]->(a:Union)
WHERE all(r IN relationships(path) WHERE r.until IS NULL)
WITH c, a, length(path) AS distance
ORDER BY distance DESC
WITH c, collect(a.id) AS ids
SET c.path = ids
WITH count(*) AS paths
UNWIND $employers AS row
MERGE (e:Employer {id: row.id})
SET e += row.props
WITH count(*) AS employers
UNWIND $covers AS row
MATCH (u:Union {id: row.unionId})
MATCH (e:Employer {id: row.employerId})
CREATE (u)-[:COVERS {since: row.since, srcBatch: $batchId, srcRow: row.srcRow}]->(e)
WITH count(*) AS written
UNWIND $deltas AS d
MATCH (u:Union {id: d[0]})
OPTIONAL MATCH path = (u)-[:AFFILIATED_TO*1..12]->(a:Union)
WHERE all(r IN relationships(path) WHERE r.until IS NULL)
WITH d, u, collect(a) AS above
UNWIND [u] + above AS x
WITH x, collect(d[1..]) AS ds
SET x._lock = true
WITH x, ds
SET x.rollup = [i IN range(0, size(ds[0]) - 1) | coalesce(x.rollup[i], 0) + reduce(s = 0, v IN ds | s + v[i])]
REMOVE x._lock
RETURN count(x) AS touched
