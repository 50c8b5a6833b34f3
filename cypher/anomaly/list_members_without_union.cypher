// Members (not LEFT) with no current membership (空挂: NO_UNION), with their current employer.
// Two halves, because an anti-join with a filter on the edge is ~10x slower on FalkorDB:
// members with no MEMBER_OF edge at all (plain anti-join), and the few members holding a
// closed edge, checked for an open one. Anti-joins are OPTIONAL MATCH + IS NULL, never
// pattern predicates.
MATCH (m:Member)
OPTIONAL MATCH (m)-[r:MEMBER_OF]->()
WITH m, r
WHERE r IS NULL AND m.status <> 'LEFT'
OPTIONAL MATCH (m)-[w:EMPLOYED_BY]->(e:Employer)
WHERE w.until IS NULL
RETURN m.id AS memberId, e.id AS employerId, e.regionCode AS employerRegion
UNION
MATCH (m:Member)-[closed:MEMBER_OF]->()
WHERE closed.until IS NOT NULL AND m.status <> 'LEFT'
WITH DISTINCT m
OPTIONAL MATCH (m)-[r:MEMBER_OF]->()
WHERE r.until IS NULL
WITH m, r
WHERE r IS NULL
OPTIONAL MATCH (m)-[w:EMPLOYED_BY]->(e:Employer)
WHERE w.until IS NULL
RETURN m.id AS memberId, e.id AS employerId, e.regionCode AS employerRegion
