// One page of a union's members in one status, ordered by internal id. LEFT lists former
// members (closed membership edges); every other status lists open memberships.
// $id: string — union code
// $status: string — MembershipStatus
// $after: string? — last id of the previous page
// $limit: int — page size
MATCH (u:Union {id: $id})<-[r:MEMBER_OF]-(m:Member)
WHERE ($after IS NULL OR m.id > $after)
  AND ((r.until IS NULL AND m.status = $status) OR ($status = 'LEFT' AND r.until IS NOT NULL))
WITH m, u
ORDER BY m.id
LIMIT $limit
OPTIONAL MATCH (m)-[w:EMPLOYED_BY]->(e:Employer)
WHERE w.until IS NULL
RETURN m.id AS id, m.certKey AS certKey, m.name AS name, m.gender AS gender, m.phone AS phone,
       m.householdType AS householdType, m.political AS political, m.education AS education,
       m.newFormWorker AS newFormWorker, m.joinedOn AS joinedOn, m.status AS status,
       m.unionPost AS unionPost, m.unionPostType AS unionPostType,
       u.id AS unionId, e.id AS employerId
ORDER BY id
