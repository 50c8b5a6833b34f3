// A union and its current ancestors with their rollups by walking current edges (fallback for
// unions without a stored path): distance 0 is the union, 1 its parent. rollup: its first five
// counters (unions, grassroots, employers, employees, members), what a change's effect shows.
// $id: string — union code
MATCH path = (u:Union {id: $id})-[:AFFILIATED_TO*0..12]->(a:Union)
WHERE all(r IN relationships(path) WHERE r.until IS NULL)
RETURN a.id AS id, a.name AS name, a.level AS level, a.status AS status, a.rollup[0..5] AS rollup,
       length(path) AS distance
ORDER BY distance
