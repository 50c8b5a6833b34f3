// A union and its current ancestors with their rollups: distance 0 is the union, 1 its parent.
// $id: string — union code
MATCH path = (u:Union {id: $id})-[:AFFILIATED_TO*0..12]->(a:Union)
WHERE all(r IN relationships(path) WHERE r.until IS NULL)
RETURN a.id AS id, a.name AS name, a.level AS level, a.status AS status, a.rollup AS rollup,
       length(path) AS distance
ORDER BY distance
