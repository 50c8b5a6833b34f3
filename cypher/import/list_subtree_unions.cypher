// A union's current subtree (itself included), each union with its properties and parent.
// $id: string — the subtree root
MATCH (root:Union {id: $id})
OPTIONAL MATCH path = (d:Union)-[:AFFILIATED_TO*1..12]->(root)
WHERE all(r IN relationships(path) WHERE r.until IS NULL)
WITH root, collect(DISTINCT d) AS below
UNWIND [root] + below AS u
OPTIONAL MATCH (u)-[r:AFFILIATED_TO]->(p:Union)
WHERE r.until IS NULL
RETURN u.id AS id, properties(u) AS props, p.id AS parentId
