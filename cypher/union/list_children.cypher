// One page of a union's current children, ordered by id (keyset pagination).
// $id: string — parent union code
// $after: string? — last id of the previous page, null for the first page
// $limit: int — page size
MATCH (p:Union {id: $id})<-[r:AFFILIATED_TO]-(c:Union)
WHERE r.until IS NULL AND ($after IS NULL OR c.id > $after)
RETURN c.id AS id, c.name AS name, c.level AS level, c.kind AS kind, c.status AS status,
       c.regionCode AS regionCode, c.foundedOn AS foundedOn, c.termEndsOn AS termEndsOn,
       c.chair AS chair, c.phone AS phone, p.id AS parentId
ORDER BY id
LIMIT $limit
