// Members by internal id with one current union and employer each (the first found).
// $ids: list<string> — internal member ids
MATCH (m:Member)
WHERE m.id IN $ids
OPTIONAL MATCH (m)-[r:MEMBER_OF]->(u:Union)
WHERE r.until IS NULL
WITH m, collect(u.id) AS unionIds
OPTIONAL MATCH (m)-[w:EMPLOYED_BY]->(e:Employer)
WHERE w.until IS NULL
WITH m, unionIds, collect(e.id) AS employerIds
RETURN m.id AS id, m.certKey AS certKey, m.name AS name, m.gender AS gender, m.phone AS phone,
       m.householdType AS householdType, m.political AS political, m.education AS education,
       m.newFormWorker AS newFormWorker, m.joinedOn AS joinedOn, m.status AS status,
       m.unionPost AS unionPost, m.unionPostType AS unionPostType,
       unionIds[0] AS unionId, employerIds[0] AS employerId
