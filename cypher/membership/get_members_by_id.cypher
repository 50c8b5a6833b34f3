// Members by internal id, with their current union and employer.
// $ids: list<string> — internal member ids
UNWIND $ids AS wanted
MATCH (m:Member {id: wanted})
OPTIONAL MATCH (m)-[r:MEMBER_OF]->(u:Union)
WHERE r.until IS NULL
OPTIONAL MATCH (m)-[w:EMPLOYED_BY]->(e:Employer)
WHERE w.until IS NULL
RETURN m.id AS id, m.certKey AS certKey, m.name AS name, m.gender AS gender, m.phone AS phone,
       m.householdType AS householdType, m.political AS political, m.education AS education,
       m.newFormWorker AS newFormWorker, m.joinedOn AS joinedOn, m.status AS status,
       m.unionPost AS unionPost, m.unionPostType AS unionPostType,
       u.id AS unionId, e.id AS employerId
