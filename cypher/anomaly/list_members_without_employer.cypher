// Members (not LEFT) with no current employment (NO_EMPLOYER), with their current union if any.
// Same two halves as list_members_without_union: no EMPLOYED_BY edge at all, or only closed ones.
MATCH (m:Member)
OPTIONAL MATCH (m)-[w:EMPLOYED_BY]->()
WITH m, w
WHERE w IS NULL AND m.status <> 'LEFT'
OPTIONAL MATCH (m)-[r:MEMBER_OF]->(u:Union)
WHERE r.until IS NULL
RETURN m.id AS memberId, u.id AS unionId
UNION
MATCH (m:Member)-[closed:EMPLOYED_BY]->()
WHERE closed.until IS NOT NULL AND m.status <> 'LEFT'
WITH DISTINCT m
OPTIONAL MATCH (m)-[w:EMPLOYED_BY]->()
WHERE w.until IS NULL
WITH m, w
WHERE w IS NULL
OPTIONAL MATCH (m)-[r:MEMBER_OF]->(u:Union)
WHERE r.until IS NULL
RETURN m.id AS memberId, u.id AS unionId
