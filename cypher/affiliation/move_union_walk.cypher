// Move a union (with its subtree) under a new parent in one statement, finding both chains by
// walking current edges (for data without stored ancestor paths): close the current edge,
// open the new one, record the change, and move the subtree's rollup from the old chain to the new.
// Ancestor paths follow: the union's path becomes the new parent's path plus the new parent, and
// each current descendant keeps the part of its path from the union on behind that new prefix.
// Guards (zero rows = nothing written): the current parent is still $expectedParentId with an edge
// that started on or before $effectiveOn; the new parent exists, differs from the current one, is
// not the union or inside its subtree (re-checked on its current ancestor path), and neither it nor
// any ancestor is dissolved.
// Returned rollups are cut to their first five counters (unions, grassroots, employers, employees,
// members): what the effect shows.
// $unionId: string — the union to move
// $newParentId: string — its new parent
// $expectedParentId: string — the parent read before the write
// $effectiveOn: string — ISO date the change takes effect
// $width: int — length of the rollup vector
// $changeId: string — id of the AffiliationChange node
// $reason: string? — why
// $recordedAt: string — UTC timestamp of the change
// $recordedBy: string — who made it
MERGE (lock:TreeLock {id: 'tree'})
SET lock.at = $recordedAt
WITH lock
MATCH (u:Union {id: $unionId})-[old:AFFILIATED_TO]->(op:Union {id: $expectedParentId})
WHERE old.until IS NULL AND old.since <= $effectiveOn
MATCH (np:Union {id: $newParentId})
WHERE np.status <> 'DISSOLVED' AND np.id <> $expectedParentId AND np.id <> $unionId
OPTIONAL MATCH npath = (np)-[:AFFILIATED_TO*1..12]->(na:Union)
WHERE all(r IN relationships(npath) WHERE r.until IS NULL)
WITH u, old, op, np, collect(na) AS npAbove
WHERE all(x IN npAbove WHERE x.status <> 'DISSOLVED' AND x.id <> $unionId)
OPTIONAL MATCH opath = (op)-[:AFFILIATED_TO*1..12]->(oa:Union)
WHERE all(r IN relationships(opath) WHERE r.until IS NULL)
WITH u, old, op, np, npAbove, collect(oa) AS opAbove
OPTIONAL MATCH dpath = (u)<-[:AFFILIATED_TO*1..12]-(d:Union)
WHERE all(r IN relationships(dpath) WHERE r.until IS NULL)
WITH u, old, op, np, npAbove, opAbove, collect(DISTINCT d) AS below
WITH u, old, np, below, [op] + opAbove AS oldChain, [np] + npAbove AS newChain
WITH u, old, np, below, oldChain, newChain,
     [x IN oldChain | x.id] AS oldIds, [x IN newChain | x.id] AS newIds
WITH u, old, np, below, oldChain, newChain, oldIds, newIds,
     [x IN oldChain WHERE NOT x.id IN newIds] + [x IN newChain WHERE NOT x.id IN oldIds] AS touched
SET u._lock = true
FOREACH (x IN touched | SET x._lock = true)
WITH u, old, np, below, touched, oldIds, coalesce(u.rollup, []) AS vec,
     [x IN oldChain | {id: x.id, name: x.name, rollup: x.rollup[0..5]}] AS oldBefore,
     [x IN newChain | {id: x.id, name: x.name, rollup: x.rollup[0..5]}] AS newBefore,
     size(u.path) AS cut, np.path + [np.id] AS prefix
FOREACH (x IN below | SET x.path = prefix + x.path[cut..])
SET u.path = prefix
SET old.until = $effectiveOn
CREATE (u)-[:AFFILIATED_TO {since: $effectiveOn}]->(np)
CREATE (c:AffiliationChange {id: $changeId, subjectId: $unionId, subjectType: 'UNION',
                             fromUnionId: $expectedParentId, toUnionId: $newParentId,
                             effectiveOn: $effectiveOn, recordedAt: $recordedAt,
                             recordedBy: $recordedBy})
SET c.reason = $reason
FOREACH (x IN touched |
  SET x.rollup = [i IN range(0, $width - 1) |
    coalesce(x.rollup[i], 0) + (CASE WHEN x.id IN oldIds THEN -1 ELSE 1 END) * coalesce(vec[i], 0)]
  REMOVE x._lock)
REMOVE u._lock
RETURN c.id AS id, $expectedParentId AS fromUnionId, vec[0..5] AS moved, oldBefore, newBefore
