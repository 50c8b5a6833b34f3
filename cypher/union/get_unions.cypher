// Unions by id, with their current parent and stored ancestor path (null when not stored).
// $ids: list<string> — union codes
UNWIND $ids AS wanted
MATCH (u:Union {id: wanted})
OPTIONAL MATCH (u)-[r:AFFILIATED_TO]->(p:Union)
WHERE r.until IS NULL
RETURN u.id AS id, u.name AS name, u.level AS level, u.kind AS kind, u.status AS status,
       u.regionCode AS regionCode, u.foundedOn AS foundedOn, u.termEndsOn AS termEndsOn,
       u.chair AS chair, u.phone AS phone, p.id AS parentId, u.path AS path
