// Register a member in a union (入会): a new Member node, or a former (LEFT) member re-joining
// (certKey is unique, the node is reused). Opens MEMBER_OF (and EMPLOYED_BY when an employer is
// named, closing the previous current employment), records the change and adds the member's
// rollup delta to the union and its current ancestors. Guards: the union can hold members and is
// not dissolved, the certificate has no current membership. No row back = a guard failed.
// With no employer named the member may have none: it is marked :OrphanCheck (see
// anomaly/mark_unattached_members).
// $unionId: string — receiving union
// $employerId: string? — employer (USCC), null to keep the current employment
// $certKey: string — certificate key type:number
// $memberId: string — internal id for a new Member node
// $props: map — member properties to set (no nulls)
// $since: string — ISO date the membership starts
// $delta: list<int> — rollup delta of the member (order of ROLLUP_KEYS)
// $change: map — MembershipChange properties (memberId is set here)
MATCH (u:Union {id: $unionId})
WHERE u.status <> 'DISSOLVED' AND u.level IN ['FEDERATION', 'GRASSROOTS']
MERGE (m:Member {certKey: $certKey})
ON CREATE SET m.id = $memberId
WITH u, m
OPTIONAL MATCH (m)-[cur:MEMBER_OF]->(:Union)
WHERE cur.until IS NULL
WITH u, m, count(cur) AS open
WHERE open = 0 AND (m.status IS NULL OR m.status = 'LEFT')
SET m += $props, m.status = 'ACTIVE'
REMOVE m.leftOn, m.leaveReason
CREATE (m)-[:MEMBER_OF {since: $since}]->(u)
CREATE (c:MembershipChange)
SET c = $change, c.memberId = m.id
WITH u, m
OPTIONAL MATCH (e:Employer {id: $employerId})
WITH u, m, e
OPTIONAL MATCH (m)-[w:EMPLOYED_BY]->(:Employer)
WHERE w.until IS NULL AND e IS NOT NULL
WITH u, m, e, collect(w) AS jobs
FOREACH (j IN jobs | SET j.until = $since)
FOREACH (_ IN CASE WHEN e IS NULL THEN [] ELSE [1] END |
  CREATE (m)-[:EMPLOYED_BY {since: $since}]->(e))
FOREACH (_ IN CASE WHEN e IS NULL THEN [1] ELSE [] END | SET m:OrphanCheck)
WITH u, m
OPTIONAL MATCH path = (u)-[:AFFILIATED_TO*1..12]->(a:Union)
WHERE all(r IN relationships(path) WHERE r.until IS NULL)
WITH u, m, collect(a) AS above
WITH m, [u] + above AS chain
FOREACH (x IN chain | SET x._lock = true)
FOREACH (x IN chain |
  SET x.rollup = [i IN range(0, size($delta) - 1) | coalesce(x.rollup[i], 0) + $delta[i]]
  REMOVE x._lock)
RETURN m.id AS id
