// How many members a union has in one status (LEFT: closed membership edges).
// $id: string — union code
// $status: string — MembershipStatus
MATCH (u:Union {id: $id})<-[r:MEMBER_OF]-(m:Member)
WHERE (r.until IS NULL AND m.status = $status) OR ($status = 'LEFT' AND r.until IS NOT NULL)
RETURN count(m) AS total
