// Members (not LEFT) with two or more current memberships: one certificate active in two
// unions (DUPLICATE_ID; certKey is unique, so a duplicate shows as a second open edge).
MATCH (m:Member)-[r:MEMBER_OF]->()
WHERE r.until IS NULL
WITH m, count(r) AS n
WHERE n > 1 AND m.status <> 'LEFT'
MATCH (m)-[c:MEMBER_OF]->(u:Union)
WHERE c.until IS NULL
RETURN m.id AS memberId, collect(u.id) AS unionIds
