// Every union with its level, status and current parent: the skeleton rollups are summed over.
MATCH (u:Union)
OPTIONAL MATCH (u)-[r:AFFILIATED_TO]->(p:Union)
WHERE r.until IS NULL
RETURN u.id AS id, u.level AS level, u.status AS status, u.regionCode AS regionCode,
       u.kind AS kind, p.id AS parentId
