// Create a union under a parent, record the change and add its rollup along the parent chain.
// The ancestor path of the new union (u.path) is its parent's path plus the parent.
// Applies only when the id is free and neither the parent nor any of its ancestors is dissolved.
// $id: string — the new union code
// $parentId: string — the parent union code
// $props: map — union properties other than id (no nulls)
// $rollup: list<int> — the new union's own rollup vector (order of ROLLUP_KEYS)
// $width: int — length of the rollup vector
// $since: string — ISO date the affiliation starts
// $changeId: string — id of the AffiliationChange node
// $reason: string? — why
// $recordedAt: string — UTC timestamp of the change
// $recordedBy: string — who made it
MERGE (lock:TreeLock {id: 'tree'})
SET lock.at = $recordedAt
WITH lock
OPTIONAL MATCH (dup:Union {id: $id})
WITH lock, dup
WHERE dup IS NULL
MATCH (p:Union {id: $parentId})
WHERE p.status <> 'DISSOLVED'
OPTIONAL MATCH path = (p)-[:AFFILIATED_TO*1..12]->(a:Union)
WHERE all(r IN relationships(path) WHERE r.until IS NULL)
WITH p, collect(a) AS above
WHERE all(x IN above WHERE x.status <> 'DISSOLVED')
WITH p, [p] + above AS chain
FOREACH (x IN chain | SET x._lock = true)
CREATE (u:Union)
SET u = $props, u.id = $id, u.rollup = $rollup, u.path = p.path + [p.id]
CREATE (u)-[:AFFILIATED_TO {since: $since}]->(p)
CREATE (c:AffiliationChange {id: $changeId, subjectId: $id, subjectType: 'UNION',
                             toUnionId: $parentId, effectiveOn: $since, recordedAt: $recordedAt,
                             recordedBy: $recordedBy})
SET c.reason = $reason
FOREACH (x IN chain |
  SET x.rollup = [i IN range(0, $width - 1) | coalesce(x.rollup[i], 0) + coalesce($rollup[i], 0)]
  REMOVE x._lock)
RETURN u.id AS id
