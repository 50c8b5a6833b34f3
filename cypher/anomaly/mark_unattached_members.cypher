// One-time backfill of the :OrphanCheck mark for members written before it existed: every
// member (not LEFT) with no current membership or no current employment, then the state node
// saying the backfill ran. From then on the writes keep the mark themselves: a statement that
// creates a member without a union or an employer, closes an employment without opening
// another, or re-admits a member without an employer sets it (bulk/create_members_partial,
// import/write_members, membership/add_member); the other writes always leave one current
// membership and employment, or a LEFT member. The mark is never removed: a superset, the
// readers check the member's current edges. Four anti-joins over every member (no edge of a
// type at all; only closed ones), the shapes FalkorDB runs fastest (~10 s at a million
// members): run once per graph by AnomalyService when the state node is missing.
// $markedAt: string — UTC timestamp of the backfill
MATCH (m:Member)
OPTIONAL MATCH (m)-[r:MEMBER_OF]->()
WITH m, r
WHERE r IS NULL AND m.status <> 'LEFT'
SET m:OrphanCheck
WITH count(*) AS noUnionEdge
MATCH (m:Member)-[closed:MEMBER_OF]->()
WHERE closed.until IS NOT NULL AND m.status <> 'LEFT'
WITH DISTINCT m
OPTIONAL MATCH (m)-[r:MEMBER_OF]->()
WHERE r.until IS NULL
WITH m, r
WHERE r IS NULL
SET m:OrphanCheck
WITH count(*) AS closedUnion
MATCH (m:Member)
OPTIONAL MATCH (m)-[w:EMPLOYED_BY]->()
WITH m, w
WHERE w IS NULL AND m.status <> 'LEFT'
SET m:OrphanCheck
WITH count(*) AS noEmployerEdge
MATCH (m:Member)-[closed:EMPLOYED_BY]->()
WHERE closed.until IS NOT NULL AND m.status <> 'LEFT'
WITH DISTINCT m
OPTIONAL MATCH (m)-[w:EMPLOYED_BY]->()
WHERE w.until IS NULL
WITH m, w
WHERE w IS NULL
SET m:OrphanCheck
WITH count(*) AS closedEmployer
MERGE (s:AnomalyState {id: 'orphanCheck'})
SET s.markedAt = $markedAt
RETURN s.markedAt AS markedAt
