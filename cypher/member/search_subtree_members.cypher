// One page of the members of a union's current subtree whose name contains a fragment, in any of
// the given statuses, ordered by internal id. LEFT matches former members (a closed membership
// edge); the other statuses match open memberships.
// $under: string — subtree root (union code)
// $nameContains: string — fragment of the name
// $statuses: list<string> — MembershipStatus values
// $after: string? — last id of the previous page
// $limit: int — page size
MATCH path = (root:Union {id: $under})<-[:AFFILIATED_TO*0..12]-(u:Union)
WHERE all(a IN relationships(path) WHERE a.until IS NULL)
MATCH (u)<-[r:MEMBER_OF]-(m:Member)
WHERE m.name CONTAINS $nameContains
  AND ($after IS NULL OR m.id > $after)
  AND ((r.until IS NULL AND m.status IN $statuses)
       OR ('LEFT' IN $statuses AND r.until IS NOT NULL AND m.status = 'LEFT'))
WITH DISTINCT m
ORDER BY m.id
LIMIT $limit
OPTIONAL MATCH (m)-[w:EMPLOYED_BY]->(e:Employer)
WHERE w.until IS NULL
OPTIONAL MATCH (m)-[o:MEMBER_OF]->(cu:Union)
WHERE o.until IS NULL
RETURN m.id AS id, m.certKey AS certKey, m.name AS name, m.gender AS gender, m.phone AS phone,
       m.householdType AS householdType, m.political AS political, m.education AS education,
       m.newFormWorker AS newFormWorker, m.joinedOn AS joinedOn, m.status AS status,
       m.unionPost AS unionPost, m.unionPostType AS unionPostType,
       cu.id AS unionId, e.id AS employerId
ORDER BY id
