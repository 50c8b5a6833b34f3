// Transfer an employer to another union: close the coverage edge, open a new one, record the
// change and shift its rollup contribution (employers, employees, nature) between the chains.
// Guard: still covered by $expectedUnionId since on or before $effectiveOn, headcount and nature
// as read, and the target exists, differs and is not dissolved.
// $employerId: string — employer USCC
// $toUnionId: string — the union that covers it from now on
// $expectedUnionId: string — the covering union read before the write
// $expectedCount: int — employeeCount read before the write
// $expectedNature: string — nature read before the write ('' for none)
// $effectiveOn: string — ISO date the change takes effect
// $changeId: string — id of the AffiliationChange node
// $reason: string? — why
// $recordedAt: string — UTC timestamp of the change
// $recordedBy: string — who made it
// $shifts: list<map> — {unionId: string, delta: list<int>}: add delta to that union and its ancestors
// $width: int — length of the rollup vector
MATCH (e:Employer {id: $employerId})<-[old:COVERS]-(ou:Union {id: $expectedUnionId})
WHERE old.until IS NULL AND old.since <= $effectiveOn
  AND coalesce(e.employeeCount, 0) = $expectedCount AND coalesce(e.nature, '') = $expectedNature
MATCH (tu:Union {id: $toUnionId})
WHERE tu.status <> 'DISSOLVED' AND tu.id <> $expectedUnionId
SET old.until = $effectiveOn
CREATE (tu)-[:COVERS {since: $effectiveOn}]->(e)
CREATE (c:AffiliationChange {id: $changeId, subjectId: $employerId, subjectType: 'EMPLOYER',
                             fromUnionId: $expectedUnionId, toUnionId: $toUnionId,
                             effectiveOn: $effectiveOn, recordedAt: $recordedAt,
                             recordedBy: $recordedBy})
SET c.reason = $reason
WITH c
UNWIND $shifts AS shift
MATCH (s:Union {id: shift.unionId})
OPTIONAL MATCH path = (s)-[:AFFILIATED_TO*1..12]->(a:Union)
WHERE all(r IN relationships(path) WHERE r.until IS NULL)
WITH c, shift, s, collect(a) AS above
UNWIND [s] + above AS x
WITH c, x, collect(shift.delta) AS deltas
SET x._lock = true
SET x.rollup = [i IN range(0, $width - 1) |
  coalesce(x.rollup[i], 0) + reduce(t = 0, d IN deltas | t + coalesce(d[i], 0))]
REMOVE x._lock
WITH DISTINCT c
RETURN c.id AS id
