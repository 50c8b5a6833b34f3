// One page of a union's current subtree, flat (the root at depth 0, down to $maxDepth levels),
// with each union's depth below the root and its number of current children, in the order asked
// (ties by id). Pages by offset: the order may follow a mutable field.
// $under: string — subtree root (union code)
// $maxDepth: int — deepest level listed below the root (0: the root alone; 12 at most)
// $nameContains: string? — fragment of the name
// $level: string? — UnionLevel
// $order: string — NAME, LEVEL (national first), NEWEST (latest foundedOn first), MEMBERS,
//   EMPLOYEES or MEMBERSHIP_RATE (largest first, read from the maintained subtree rollup vector:
//   u.rollup[3] employees, u.rollup[4] members, see graph_service.domain.stats.ROLLUP_KEYS), ID
// $skip: int — unions on the previous pages
// $limit: int — page size
MATCH path = (root:Union {id: $under})<-[:AFFILIATED_TO*0..12]-(u:Union)
WHERE length(path) <= $maxDepth
  AND all(r IN relationships(path) WHERE r.until IS NULL)
  AND ($nameContains IS NULL OR u.name CONTAINS $nameContains)
  AND ($level IS NULL OR u.level = $level)
WITH u, length(path) AS depth
OPTIONAL MATCH (u)<-[c:AFFILIATED_TO]-(:Union)
WHERE c.until IS NULL
WITH u, depth, count(c) AS childCount
OPTIONAL MATCH (u)-[r:AFFILIATED_TO]->(p:Union)
WHERE r.until IS NULL
WITH u, depth, childCount, p,
     CASE WHEN $order = 'NAME' THEN u.name ELSE '' END AS byName,
     CASE WHEN $order = 'LEVEL' THEN
       CASE u.level WHEN 'NATIONAL' THEN 0 WHEN 'PROVINCE' THEN 1 WHEN 'CITY' THEN 2
         WHEN 'COUNTY' THEN 3 WHEN 'TOWNSHIP' THEN 4 WHEN 'FEDERATION' THEN 5 ELSE 6 END
     ELSE 0 END AS byLevel,
     CASE WHEN $order = 'NEWEST' AND u.foundedOn IS NULL THEN 1 ELSE 0 END AS undated,
     CASE WHEN $order = 'NEWEST' THEN toString(u.foundedOn) ELSE '' END AS byFounded,
     coalesce(u.rollup[3], 0) AS employees, coalesce(u.rollup[4], 0) AS members
WITH u, depth, childCount, p, byName, byLevel, undated, byFounded,
     CASE $order
       WHEN 'MEMBERS' THEN toFloat(members)
       WHEN 'EMPLOYEES' THEN toFloat(employees)
       WHEN 'MEMBERSHIP_RATE' THEN
         CASE WHEN employees > 0 THEN toFloat(members) / employees ELSE -1.0 END
       ELSE 0.0 END AS byNumber
RETURN u.id AS id, u.name AS name, u.level AS level, u.kind AS kind, u.status AS status,
       u.regionCode AS regionCode, u.foundedOn AS foundedOn, u.termEndsOn AS termEndsOn,
       u.chair AS chair, u.phone AS phone, p.id AS parentId, depth, childCount,
       byName, byLevel, undated, byFounded, byNumber
ORDER BY byName, byLevel, undated, byFounded DESC, byNumber DESC, id
SKIP $skip
LIMIT $limit
