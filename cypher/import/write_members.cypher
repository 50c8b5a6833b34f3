// One import batch of members in one statement: new members with their edges, changed
// properties, changed employers, and the rollup deltas of the unions and their ancestors.
// Rows of $created are certificates the batch's look-up found absent: CREATE, not MERGE (the
// unique constraint on certKey refuses the whole statement if one appeared meanwhile).
// $created: list<list> — positional rows, see graph_service.services.imports.CREATED_COLUMNS:
//   [0 id, 1 certKey, 2 name, 3 gender, 4 phone, 5 householdType, 6 political, 7 education,
//    8 newFormWorker, 9 joinedOn, 10 status, 11 unionPost, 12 unionPostType, 13 unionId,
//    14 employerId?, 15 since, 16 srcRow, 17 employmentStatus?, 18 nationality?]
// $updated: list<map> — {certKey, props}: changed properties of existing members
// $moved: list<list> — [0 certKey, 1 employerId?, 2 since, 3 srcRow]: close the current employment, open one
// $deltas: list<list> — [0 unionId, 1.. rollup delta ints]: aggregated per union, applied up the chain
// $batchId: string — the import batch recorded on the new nodes and edges
UNWIND $created AS row
MATCH (u:Union {id: row[13]})
CREATE (m:Member {id: row[0], certKey: row[1], name: row[2], gender: row[3], phone: row[4],
                  householdType: row[5], political: row[6], education: row[7],
                  newFormWorker: row[8], joinedOn: row[9], status: row[10],
                  unionPost: row[11], unionPostType: row[12], employmentStatus: row[17],
                  nationality: row[18], srcBatch: $batchId, srcRow: row[16]})
CREATE (m)-[:MEMBER_OF {since: row[15], srcBatch: $batchId, srcRow: row[16]}]->(u)
WITH m, row
// not WITH … WHERE row[14] IS NOT NULL: FalkorDB pushes such a filter below the CREATE
OPTIONAL MATCH (e:Employer {id: row[14]})
FOREACH (_ IN CASE WHEN e IS NULL THEN [] ELSE [1] END |
  CREATE (m)-[:EMPLOYED_BY {since: row[15], srcBatch: $batchId, srcRow: row[16]}]->(e))
WITH count(*) AS created
UNWIND $updated AS row
MATCH (m:Member {certKey: row.certKey})
SET m += row.props
WITH count(*) AS updated
UNWIND $moved AS row
MATCH (m:Member {certKey: row[0]})
OPTIONAL MATCH (m)-[w:EMPLOYED_BY]->(:Employer)
WHERE w.until IS NULL
FOREACH (x IN CASE WHEN w IS NULL THEN [] ELSE [w] END | SET x.until = row[2])
WITH m, row, count(w) AS closed
OPTIONAL MATCH (e:Employer {id: row[1]})
FOREACH (_ IN CASE WHEN e IS NULL THEN [] ELSE [1] END |
  CREATE (m)-[:EMPLOYED_BY {since: row[2], srcBatch: $batchId, srcRow: row[3]}]->(e))
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
