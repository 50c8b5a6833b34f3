// Hang unions under their parents where they have no current parent yet (idempotent), then store
// each child's ancestor path (u.path, root first) from its live chain. The paths are read after all
// edges of the batch exist, so a parent linked earlier in the same batch is seen.
// $rows: list<map> — {childId: string, parentId: string, since: string (ISO date)}
UNWIND $rows AS row
MATCH (c:Union {id: row.childId})
MATCH (p:Union {id: row.parentId})
OPTIONAL MATCH (c)-[cur:AFFILIATED_TO]->(:Union)
WHERE cur.until IS NULL
WITH c, p, row, cur
WHERE cur IS NULL
CREATE (c)-[:AFFILIATED_TO {since: row.since}]->(p)
WITH count(*) AS linked
UNWIND $rows AS row
MATCH (c:Union {id: row.childId})
OPTIONAL MATCH path = (c)-[:AFFILIATED_TO*1..12]->(a:Union)
WHERE all(r IN relationships(path) WHERE r.until IS NULL)
WITH c, a, length(path) AS distance
ORDER BY distance DESC
WITH c, collect(a.id) AS ids
SET c.path = ids
