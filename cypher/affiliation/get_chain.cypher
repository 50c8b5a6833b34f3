// Unions and their current ancestors with their rollups, read from the stored ancestor path
// (u.path) and fetched by indexed id: distance 0 is the union, 1 its parent. since = start of the
// union's current parent edge (on the distance-0 row). stored = false when the union has no stored
// path (the start-up migration stores every missing one: the caller refuses it). rollup is cut to its first five
// counters (unions, grassroots, employers, employees, members): what a change's effect shows.
// $ids: list<string> — union codes
// $full: boolean — also return name and rollup (else null: a plan that only checks the rules)
UNWIND $ids AS wanted
MATCH (u:Union {id: wanted})
OPTIONAL MATCH (u)-[r:AFFILIATED_TO]->(:Union)
WHERE r.until IS NULL
WITH u, r.since AS since, coalesce(u.path, []) + [u.id] AS ids, u.path IS NOT NULL AS stored
UNWIND range(0, size(ids) - 1) AS i
WITH u, since, ids, stored, i, ids[i] AS aid
MATCH (a:Union {id: aid})
RETURN u.id AS of, stored, a.id AS id, CASE WHEN $full THEN a.name END AS name, a.level AS level,
       a.status AS status, CASE WHEN $full THEN a.rollup[0..5] END AS rollup, size(ids) - 1 - i AS distance,
       CASE WHEN i = size(ids) - 1 THEN since ELSE null END AS since
ORDER BY of, distance
