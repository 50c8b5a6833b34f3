// Move a union (with its subtree) under a new parent in one statement, reading both chains from the
// stored ancestor paths (u.path, np.path) by indexed id: close the current edge,
// open the new one, record the change, and move the subtree's rollup from the old chain to the new.
// Ancestor paths follow: the union's path becomes the new parent's path plus the new parent, and
// each current descendant keeps the part of its path from the union on behind that new prefix.
// The statement checks every move rule itself, so the service runs it without reading first and
// reads the rules only when it wrote nothing (to say which one failed). Guards (zero rows =
// nothing written): the union has a stored path with a current parent (its last id: not a root)
// and is not dissolved; the current edge to that parent started on or before $effectiveOn (found
// between the two indexed ends: closed edges to other parents are never read); the new parent
// exists with a stored path, differs from the current parent, is not the union or inside its
// subtree (its stored ancestor path), ranks above the union, and neither it nor any ancestor is
// dissolved.
// Chains are returned parent first; rollups cut to their first five counters (unions, grassroots,
// employers, employees, members): what the effect shows.
// $unionId: string — the union to move
// $newParentId: string — its new parent
// $effectiveOn: string — ISO date the change takes effect
// $ranks: map — level code -> rank (NATIONAL 0 … GRASSROOTS 6): a parent ranks below its child
// $width: int — length of the rollup vector
// $changeId: string — id of the AffiliationChange node
// $reason: string? — why
// $recordedAt: string — UTC timestamp of the change
// $recordedBy: string — who made it
MERGE (lock:TreeLock {id: 'tree'})
SET lock.at = $recordedAt
WITH lock
MATCH (u:Union {id: $unionId})
WHERE u.path IS NOT NULL AND size(u.path) > 0 AND u.status <> 'DISSOLVED'
MATCH (np:Union {id: $newParentId})
WHERE np.path IS NOT NULL AND np.status <> 'DISSOLVED' AND np.id <> $unionId
  AND np.id <> u.path[-1] AND NOT $unionId IN np.path
  AND $ranks[np.level] < $ranks[u.level]
WITH u, np, u.path[-1] AS opId
MATCH (op:Union {id: opId})
WITH u, np, op
MATCH (u)-[old:AFFILIATED_TO]->(op)
WHERE old.until IS NULL AND old.since <= $effectiveOn
// (`path + []`: Neo4j 5.26's reverse() refuses a list read from a property as it is stored)
WITH u, old, op, np, reverse(u.path + []) AS oldIds, [np.id] + reverse(np.path + []) AS newIds
UNWIND oldIds + newIds AS xid
MATCH (x:Union {id: xid})
WITH u, old, op, np, oldIds, newIds, collect(DISTINCT x) AS found
WITH u, old, op, np, oldIds, newIds,
     [xid IN oldIds | [x IN found WHERE x.id = xid][0]] AS oldChain,
     [xid IN newIds | [x IN found WHERE x.id = xid][0]] AS newChain
WHERE none(x IN oldChain + newChain WHERE x IS NULL)
  AND all(x IN newChain WHERE x.status <> 'DISSOLVED')
OPTIONAL MATCH dpath = (u)<-[:AFFILIATED_TO*1..12]-(d:Union)
WHERE all(r IN relationships(dpath) WHERE r.until IS NULL)
WITH u, old, op, np, oldChain, newChain, oldIds, newIds, collect(DISTINCT d) AS below
WITH u, old, op, np, below, oldChain, newChain, oldIds,
     [x IN oldChain WHERE NOT x.id IN newIds] + [x IN newChain WHERE NOT x.id IN oldIds] AS touched
SET u._lock = true
FOREACH (x IN touched | SET x._lock = true)
WITH u, old, op, np, below, touched, oldIds, coalesce(u.rollup, []) AS vec,
     [x IN oldChain | {id: x.id, name: x.name, rollup: x.rollup[0..5]}] AS oldBefore,
     [x IN newChain | {id: x.id, name: x.name, rollup: x.rollup[0..5]}] AS newBefore,
     size(u.path) AS cut, np.path + [np.id] AS prefix
FOREACH (x IN below | SET x.path = prefix + x.path[cut..])
SET u.path = prefix
SET old.until = $effectiveOn
CREATE (u)-[:AFFILIATED_TO {since: $effectiveOn}]->(np)
CREATE (c:AffiliationChange {id: $changeId, subjectId: $unionId, subjectType: 'UNION',
                             fromUnionId: op.id, toUnionId: $newParentId,
                             effectiveOn: $effectiveOn, recordedAt: $recordedAt,
                             recordedBy: $recordedBy})
SET c.reason = $reason
FOREACH (x IN touched |
  SET x.rollup = [i IN range(0, $width - 1) |
    coalesce(x.rollup[i], 0) + (CASE WHEN x.id IN oldIds THEN -1 ELSE 1 END) * coalesce(vec[i], 0)]
  REMOVE x._lock)
REMOVE u._lock
RETURN c.id AS id, op.id AS fromUnionId, vec[0..5] AS moved, oldBefore, newBefore
