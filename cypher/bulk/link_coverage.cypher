// Let unions cover employers that no union covers yet (idempotent).
// $rows: list<map> — {unionId: string, employerId: string, since: string (ISO date)}
UNWIND $rows AS row
MATCH (u:Union {id: row.unionId})
MATCH (e:Employer {id: row.employerId})
OPTIONAL MATCH (:Union)-[cur:COVERS]->(e)
WHERE cur.until IS NULL
WITH u, e, row, cur
WHERE cur IS NULL
CREATE (u)-[:COVERS {since: row.since}]->(e)
