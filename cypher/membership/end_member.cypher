// End a membership (离职, 除名, 退会, 死亡): close the membership edge, status LEFT with the date
// and reason, optionally close the current employment, record the change and subtract the
// member's rollup delta from the union and its current ancestors. Nothing is deleted.
// Guard: current membership at the union, ACTIVE or RETAINED.
// $memberId: string — internal member id
// $unionId: string — the union the member currently belongs to
// $effectiveOn: string — ISO date
// $reason: string — LeaveReason
// $closeEmployment: boolean — also close the current EMPLOYED_BY edge
// $delta: list<int> — rollup delta to apply (negative)
// $change: map — MembershipChange properties
MATCH (m:Member {id: $memberId})-[r:MEMBER_OF]->(u:Union {id: $unionId})
WHERE r.until IS NULL AND m.status IN ['ACTIVE', 'RETAINED']
SET r.until = $effectiveOn, m.status = 'LEFT', m.leftOn = $effectiveOn, m.leaveReason = $reason
CREATE (c:MembershipChange)
SET c = $change
WITH m, u
OPTIONAL MATCH (m)-[w:EMPLOYED_BY]->(:Employer)
WHERE w.until IS NULL AND $closeEmployment
WITH m, u, collect(w) AS jobs
FOREACH (j IN jobs | SET j.until = $effectiveOn)
WITH m, u
OPTIONAL MATCH path = (u)-[:AFFILIATED_TO*1..12]->(a:Union)
WHERE all(r IN relationships(path) WHERE r.until IS NULL)
WITH m, u, collect(a) AS above
WITH m, [u] + above AS chain
FOREACH (x IN chain | SET x._lock = true)
FOREACH (x IN chain |
  SET x.rollup = [i IN range(0, size($delta) - 1) | coalesce(x.rollup[i], 0) + $delta[i]]
  REMOVE x._lock)
RETURN m.id AS id
