// The receiving union registers the member (转入): close the origin membership, open one at the
// target (and switch employment when the transfer names a new employer), member ACTIVE, transfer
// COMPLETED, both change-log entries, and move the member's rollup delta from the origin chain to
// the target chain; unions on both chains (the common ancestor and above) are left unchanged.
// Guards: transfer RELEASED, member TRANSFERRING at the origin, target not dissolved.
// $id: string — transfer id
// $memberId: string — the transfer's member
// $fromUnionId: string — the transfer's origin union
// $toUnionId: string — the transfer's target union
// $toEmployerId: string? — the new employer named by the transfer, null to keep the employment
// $completedOn: string — ISO date
// $recordedBy: string — actor
// $delta: list<int> — the member's rollup delta (positive)
// $outChange: map — MembershipChange (转出) at the origin
// $inChange: map — MembershipChange (转入) at the target
MATCH (t:Transfer {id: $id})
WHERE t.state = 'RELEASED' AND t.memberId = $memberId AND t.fromUnionId = $fromUnionId
  AND t.toUnionId = $toUnionId
MATCH (m:Member {id: $memberId})-[r:MEMBER_OF]->(o:Union {id: $fromUnionId})
WHERE r.until IS NULL AND m.status = 'TRANSFERRING'
MATCH (d:Union {id: $toUnionId})
WHERE d.status <> 'DISSOLVED'
SET r.until = $completedOn, m.status = 'ACTIVE', t.state = 'COMPLETED',
    t.completedOn = $completedOn, t.completedBy = $recordedBy
CREATE (m)-[:MEMBER_OF {since: $completedOn}]->(d)
CREATE (c1:MembershipChange)
SET c1 = $outChange
CREATE (c2:MembershipChange)
SET c2 = $inChange
WITH t, m, o, d
OPTIONAL MATCH (e:Employer {id: $toEmployerId})
WITH t, m, o, d, e
OPTIONAL MATCH (m)-[w:EMPLOYED_BY]->(:Employer)
WHERE w.until IS NULL AND e IS NOT NULL
WITH t, m, o, d, e, collect(w) AS jobs
FOREACH (j IN jobs | SET j.until = $completedOn)
FOREACH (_ IN CASE WHEN e IS NULL THEN [] ELSE [1] END |
  CREATE (m)-[:EMPLOYED_BY {since: $completedOn}]->(e))
WITH t, o, d
OPTIONAL MATCH p1 = (o)-[:AFFILIATED_TO*1..12]->(a:Union)
WHERE all(x IN relationships(p1) WHERE x.until IS NULL)
WITH t, o, d, collect(a) AS aboveOrigin
OPTIONAL MATCH p2 = (d)-[:AFFILIATED_TO*1..12]->(b:Union)
WHERE all(x IN relationships(p2) WHERE x.until IS NULL)
WITH t, o, d, aboveOrigin, collect(b) AS aboveTarget
WITH t, [o] + aboveOrigin AS originChain, [d] + aboveTarget AS targetChain
WITH t, originChain, targetChain,
     [x IN originChain | x.id] AS originIds, [x IN targetChain | x.id] AS targetIds
WITH t, [x IN originChain WHERE NOT x.id IN targetIds] AS losing,
     [x IN targetChain WHERE NOT x.id IN originIds] AS gaining
FOREACH (x IN losing + gaining | SET x._lock = true)
FOREACH (x IN losing |
  SET x.rollup = [i IN range(0, size($delta) - 1) | coalesce(x.rollup[i], 0) - $delta[i]])
FOREACH (x IN gaining |
  SET x.rollup = [i IN range(0, size($delta) - 1) | coalesce(x.rollup[i], 0) + $delta[i]])
FOREACH (x IN losing + gaining | REMOVE x._lock)
RETURN t.id AS id
