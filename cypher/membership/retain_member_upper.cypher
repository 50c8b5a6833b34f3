// 保留会籍 at the upper union (employer closed or bankrupt): close the membership at the union,
// open one at its current parent, status RETAINED. Rollups: only the old union loses the member;
// the parent's subtree (and every ancestor's) still contains it. Guard: current membership at
// the union, ACTIVE or RETAINED, and the parent is still the current parent.
// $memberId: string — internal member id
// $unionId: string — the union the member currently belongs to
// $parentId: string — that union's current parent
// $effectiveOn: string — ISO date
// $reason: string — LeaveReason
// $delta: list<int> — rollup delta to apply to the old union (negative)
// $change: map — MembershipChange properties
MATCH (m:Member {id: $memberId})-[r:MEMBER_OF]->(u:Union {id: $unionId})
WHERE r.until IS NULL AND m.status IN ['ACTIVE', 'RETAINED']
MATCH (u)-[a:AFFILIATED_TO]->(p:Union {id: $parentId})
WHERE a.until IS NULL
SET u._lock = true
SET r.until = $effectiveOn, m.status = 'RETAINED', m.retainedOn = $effectiveOn,
    m.retainReason = $reason
CREATE (m)-[:MEMBER_OF {since: $effectiveOn}]->(p)
CREATE (c:MembershipChange)
SET c = $change
SET u.rollup = [i IN range(0, size($delta) - 1) | coalesce(u.rollup[i], 0) + $delta[i]]
REMOVE u._lock
RETURN m.id AS id
