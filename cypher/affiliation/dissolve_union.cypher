// Dissolve a union: status DISSOLVED from $effectiveOn, its own counts leave the rollups of its
// chain. The affiliation edge stays (history). Guards: not yet dissolved, no active child union,
// no current member.
// $unionId: string — the union to dissolve
// $delta: list<int> — rollup change of the union and each ancestor (minus its own counts)
// $width: int — length of the rollup vector
// $effectiveOn: string — ISO date of the dissolution
// $reason: string? — why
// $recordedAt: string — UTC timestamp of the change
// $recordedBy: string — who made it
MERGE (lock:TreeLock {id: 'tree'})
SET lock.at = $recordedAt
WITH lock
MATCH (u:Union {id: $unionId})
WHERE u.status <> 'DISSOLVED'
OPTIONAL MATCH (u)<-[r:AFFILIATED_TO]-(c:Union)
WHERE r.until IS NULL AND c.status <> 'DISSOLVED'
WITH u, count(c) AS children
WHERE children = 0
OPTIONAL MATCH (u)<-[ms:MEMBER_OF]-(m:Member)
WHERE ms.until IS NULL AND m.status <> 'LEFT'
WITH u, count(m) AS members
WHERE members = 0
OPTIONAL MATCH path = (u)-[:AFFILIATED_TO*1..12]->(a:Union)
WHERE all(r IN relationships(path) WHERE r.until IS NULL)
WITH u, collect(a) AS above
WITH u, [u] + above AS chain
FOREACH (x IN chain | SET x._lock = true)
SET u.status = 'DISSOLVED', u.dissolvedOn = $effectiveOn, u.dissolvedAt = $recordedAt,
    u.dissolvedBy = $recordedBy, u.dissolvedReason = $reason
FOREACH (x IN chain |
  SET x.rollup = [i IN range(0, $width - 1) | coalesce(x.rollup[i], 0) + coalesce($delta[i], 0)]
  REMOVE x._lock)
RETURN u.id AS id
