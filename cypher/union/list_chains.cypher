// Unions with their current ancestors, read from the stored ancestor path (u.path: ids, national
// root first, parent last) and fetched by indexed id. Per union in $ids: one row for the union
// itself (distance 0) and one per ancestor (distance 1 = parent). stored = false when the union has
// no stored path (the start-up migration stores every missing one: the caller refuses it).
// $ids: list<string> — union codes
UNWIND $ids AS wanted
MATCH (u:Union {id: wanted})
WITH u, coalesce(u.path, []) + [u.id] AS ids, u.path IS NOT NULL AS stored
UNWIND range(0, size(ids) - 1) AS i
WITH u, ids, stored, i, ids[i] AS aid
MATCH (a:Union {id: aid})
RETURN u.id AS of, stored, a.id AS id, a.name AS name, a.level AS level, a.kind AS kind,
       a.status AS status, a.regionCode AS regionCode, a.foundedOn AS foundedOn,
       a.termEndsOn AS termEndsOn, a.chair AS chair, a.phone AS phone,
       CASE WHEN i = 0 THEN null ELSE ids[i - 1] END AS parentId,
       size(ids) - 1 - i AS distance, a.path AS path
ORDER BY of, distance DESC
