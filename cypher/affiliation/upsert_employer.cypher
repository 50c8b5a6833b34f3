// Create or update an employer, optionally open its first coverage, and shift the rollups it
// changes (employers, employees, nature, 应建未建) along the chains named in $shifts.
// Guard: the employer is as read before the write (absent, or same headcount, nature, region and
// covering union), and a union to cover it exists and is not dissolved.
// $id: string — employer USCC (or temporary code)
// $props: map — employer properties to set (no nulls)
// $isNew: boolean — the employer did not exist when read
// $expected: map — {employeeCount: int, nature: string, regionCode: string, unionId: string} as read ('' for none)
// $coverUnionId: string? — union that starts covering the employer, null for none
// $since: string — ISO date the coverage starts
// $changeId: string — id of the AffiliationChange node recorded for a first coverage
// $reason: string? — why
// $recordedAt: string — UTC timestamp of the change
// $recordedBy: string — who made it
// $shifts: list<map> — {unionId: string, delta: list<int>}: add delta to that union and its ancestors
// $width: int — length of the rollup vector
OPTIONAL MATCH (e:Employer {id: $id})
OPTIONAL MATCH (cu:Union)-[cov:COVERS]->(e)
WHERE cov.until IS NULL
WITH e, cu
WHERE (e IS NULL AND $isNew)
   OR (e IS NOT NULL AND NOT $isNew
       AND coalesce(e.employeeCount, 0) = $expected.employeeCount
       AND coalesce(e.nature, '') = $expected.nature
       AND coalesce(e.regionCode, '') = $expected.regionCode
       AND coalesce(cu.id, '') = $expected.unionId)
OPTIONAL MATCH (target:Union {id: $coverUnionId})
WITH target
WHERE $coverUnionId IS NULL OR (target IS NOT NULL AND target.status <> 'DISSOLVED')
MERGE (emp:Employer {id: $id})
SET emp += $props
FOREACH (_ IN CASE WHEN target IS NULL THEN [] ELSE [1] END |
  CREATE (target)-[:COVERS {since: $since}]->(emp)
  CREATE (:AffiliationChange {id: $changeId, subjectId: $id, subjectType: 'EMPLOYER',
                              toUnionId: $coverUnionId, effectiveOn: $since, reason: $reason,
                              recordedAt: $recordedAt, recordedBy: $recordedBy}))
WITH emp
UNWIND CASE WHEN size($shifts) = 0 THEN [null] ELSE $shifts END AS shift
OPTIONAL MATCH (s:Union {id: shift.unionId})
OPTIONAL MATCH path = (s)-[:AFFILIATED_TO*1..12]->(a:Union)
WHERE all(r IN relationships(path) WHERE r.until IS NULL)
WITH emp, shift, s, collect(a) AS above
UNWIND [s] + above AS x
WITH emp, x, collect(shift.delta) AS deltas
FOREACH (_ IN CASE WHEN x IS NULL THEN [] ELSE [1] END | SET x._lock = true)
FOREACH (_ IN CASE WHEN x IS NULL THEN [] ELSE [1] END |
  SET x.rollup = [i IN range(0, $width - 1) |
    coalesce(x.rollup[i], 0) + reduce(t = 0, d IN deltas | t + coalesce(d[i], 0))]
  REMOVE x._lock)
WITH DISTINCT emp
RETURN emp.id AS id
