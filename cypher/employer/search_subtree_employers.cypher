// One page of the employers covered by the unions of a union's current subtree whose name
// contains a fragment or whose code is the given one, ordered by code.
// $under: string — subtree root (union code)
// $search: string — fragment of the name, or a whole code (USCC)
// $after: string? — last id of the previous page
// $limit: int — page size
MATCH path = (root:Union {id: $under})<-[:AFFILIATED_TO*0..12]-(u:Union)
WHERE all(a IN relationships(path) WHERE a.until IS NULL)
MATCH (u)-[c:COVERS]->(e:Employer)
WHERE c.until IS NULL
  AND (e.id = $search OR e.name CONTAINS $search)
  AND ($after IS NULL OR e.id > $after)
RETURN e.id AS id, e.name AS name, e.nature AS nature, e.employeeCount AS employeeCount,
       e.regionCode AS regionCode, e.industry AS industry, u.id AS unionId
ORDER BY id
LIMIT $limit
