// Current memberships (member not LEFT) of a candidate (union, employer) pair whose member is
// currently employed by the employer while the union does not currently cover it
// (EMPLOYER_NOT_COVERED before the federation exception, which the service applies).
// $pairs: list<list> — [unionId, employerId] candidates from list_employer_union_pairs
UNWIND $pairs AS p
MATCH (u:Union {id: p[0]})<-[r:MEMBER_OF]-(m:Member)
WHERE r.until IS NULL AND m.status <> 'LEFT'
MATCH (m)-[w:EMPLOYED_BY]->(e:Employer {id: p[1]})
WHERE w.until IS NULL
OPTIONAL MATCH (u)-[c:COVERS]->(e)
WHERE c.until IS NULL
WITH m, u, e, c
WHERE c IS NULL
RETURN DISTINCT m.id AS memberId, u.id AS unionId, e.id AS employerId
