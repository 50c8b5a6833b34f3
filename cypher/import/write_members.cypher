// One import batch of members in one statement: new members with their edges, changed
// properties, changed employers, and the rollup deltas of the unions and their ancestors.
// Rows of $created are certificates the batch's look-up found absent: CREATE, not MERGE (the
// unique constraint on certKey refuses the whole statement if one appeared meanwhile). They
// come grouped by (union, employer): the union and employer are matched once per group.
// $groups: list<list> — [0 unionId, 1 employerId?, 2 start, 3 end]: rows start..end-1 of $created
//   join this union and employer; each is looked up once per group, not once per row
// $created: list<list> — positional rows, see graph_service.services.imports.CREATED_COLUMNS:
//   [0 id, 1 certKey, 2 srcRow, 3 name, 4 gender, 5 phone, 6 householdType, 7 political,
//    8 education, 9 newFormWorker?, 10 joinedOn?, 11 status?, 12 unionPost?, 13 unionPostType?,
//    14 employmentStatus?, 15 nationality?]
// $updated: list<map> — {certKey, props}: changed properties of existing members
// $moved: list<list> — [0 certKey, 1 employerId?, 2 since, 3 srcRow]: close the current employment, open one
// $deltas: list<list> — [0 unionId, 1.. rollup delta ints]: aggregated per union, applied up the chain
// A new or moved member left without an employer is marked :OrphanCheck (see
// anomaly/mark_unattached_members).
// $batchId: string — the import batch recorded on the new nodes and edges
// $today: string — ISO date: the edges' since when a new member has no joinedOn
UNWIND $groups AS g
MATCH (u:Union {id: g[0]})
OPTIONAL MATCH (e:Employer {id: g[1]})
UNWIND $created[g[2]..g[3]] AS row
CREATE (m:Member {id: row[0], certKey: row[1], name: row[3], gender: row[4], phone: row[5],
                  householdType: row[6], political: row[7], education: row[8],
                  newFormWorker: coalesce(row[9], false), joinedOn: row[10],
                  status: coalesce(row[11], 'ACTIVE'), unionPost: row[12],
                  unionPostType: row[13], employmentStatus: row[14], nationality: row[15],
                  srcBatch: $batchId, srcRow: row[2]})
CREATE (m)-[:MEMBER_OF {since: coalesce(row[10], $today), srcBatch: $batchId, srcRow: row[2]}]->(u)
FOREACH (_ IN CASE WHEN e IS NULL THEN [] ELSE [1] END |
  CREATE (m)-[:EMPLOYED_BY {since: coalesce(row[10], $today), srcBatch: $batchId, srcRow: row[2]}]->(e))
FOREACH (_ IN CASE WHEN e IS NULL THEN [1] ELSE [] END | SET m:OrphanCheck)
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
FOREACH (_ IN CASE WHEN e IS NULL THEN [1] ELSE [] END | SET m:OrphanCheck)
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
