// Hang unions under their parents where they have no current parent yet (idempotent).
// $rows: list<map> — {childId: string, parentId: string, since: string (ISO date)}
UNWIND $rows AS row
MATCH (c:Union {id: row.childId})
MATCH (p:Union {id: row.parentId})
OPTIONAL MATCH (c)-[cur:AFFILIATED_TO]->(:Union)
WHERE cur.until IS NULL
WITH c, p, row, cur
WHERE cur IS NULL
CREATE (c)-[:AFFILIATED_TO {since: row.since}]->(p)
