// Current ancestors of a union by walking its current edges, national root first (fallback for
// unions without a stored path).
// $id: string — union code
MATCH path = (u:Union {id: $id})-[:AFFILIATED_TO*1..12]->(a:Union)
WHERE all(r IN relationships(path) WHERE r.until IS NULL)
RETURN a.id AS id, a.name AS name, a.level AS level, a.kind AS kind, a.status AS status,
       a.regionCode AS regionCode, a.foundedOn AS foundedOn, a.termEndsOn AS termEndsOn,
       a.chair AS chair, a.phone AS phone, length(path) AS distance
ORDER BY distance DESC
