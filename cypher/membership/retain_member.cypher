// 保留会籍 at the member's own union (retired, unemployed): the membership edge stays open and
// the member is still counted, so no rollup changes. Guard: current membership there, ACTIVE.
// $memberId: string — internal member id
// $unionId: string — the union the member currently belongs to
// $effectiveOn: string — ISO date
// $reason: string — LeaveReason
// $change: map — MembershipChange properties
MATCH (m:Member {id: $memberId})-[r:MEMBER_OF]->(u:Union {id: $unionId})
WHERE r.until IS NULL AND m.status = 'ACTIVE'
SET m.status = 'RETAINED', m.retainedOn = $effectiveOn, m.retainReason = $reason
CREATE (c:MembershipChange)
SET c = $change
RETURN m.id AS id
