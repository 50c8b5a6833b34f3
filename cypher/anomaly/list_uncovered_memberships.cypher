// Current memberships whose member's current employer is not covered by that union
// (EMPLOYER_NOT_COVERED before the federation exception, which the service applies).
MATCH (m:Member)-[r:MEMBER_OF]->(u:Union)
WHERE r.until IS NULL AND m.status <> 'LEFT'
MATCH (m)-[w:EMPLOYED_BY]->(e:Employer)
WHERE w.until IS NULL
OPTIONAL MATCH (u)-[c:COVERS]->(e)
WHERE c.until IS NULL
WITH m, u, e, c
WHERE c IS NULL
RETURN m.id AS memberId, u.id AS unionId, e.id AS employerId
