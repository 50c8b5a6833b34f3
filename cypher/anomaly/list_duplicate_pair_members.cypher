// Members (not LEFT) holding current memberships in both unions of a candidate pair
// (DUPLICATE_ID), each with every union it is currently a member of.
// $pairs: list<list> — [unionId, otherUnionId] from list_shared_union_pairs
UNWIND $pairs AS p
MATCH (a:Union {id: p[0]})<-[r:MEMBER_OF]-(m:Member)
WHERE r.until IS NULL AND m.status <> 'LEFT'
MATCH (m)-[s:MEMBER_OF]->(b:Union {id: p[1]})
WHERE s.until IS NULL
WITH DISTINCT m
MATCH (m)-[c:MEMBER_OF]->(u:Union)
WHERE c.until IS NULL
RETURN m.id AS memberId, collect(u.id) AS unionIds
