// One page of unions anywhere, filtered by name fragment and level, ordered by id.
// $nameContains: string? — fragment of the name
// $level: string? — UnionLevel
// $after: string? — last id of the previous page
// $limit: int — page size
MATCH (u:Union)
WHERE ($nameContains IS NULL OR u.name CONTAINS $nameContains)
  AND ($level IS NULL OR u.level = $level)
  AND ($after IS NULL OR u.id > $after)
OPTIONAL MATCH (u)-[r:AFFILIATED_TO]->(p:Union)
WHERE r.until IS NULL
RETURN u.id AS id, u.name AS name, u.level AS level, u.kind AS kind, u.status AS status,
       u.regionCode AS regionCode, u.foundedOn AS foundedOn, u.termEndsOn AS termEndsOn,
       u.chair AS chair, u.phone AS phone, p.id AS parentId
ORDER BY id
LIMIT $limit
