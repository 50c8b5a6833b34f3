// What keeps a union from being dissolved: its active children and its current members.
// $id: string — union code
MATCH (u:Union {id: $id})
OPTIONAL MATCH (u)<-[r:AFFILIATED_TO]-(c:Union)
WHERE r.until IS NULL AND c.status <> 'DISSOLVED'
WITH u, count(c) AS children
OPTIONAL MATCH (u)<-[ms:MEMBER_OF]-(m:Member)
WHERE ms.until IS NULL AND m.status <> 'LEFT'
RETURN children, count(m) AS members
