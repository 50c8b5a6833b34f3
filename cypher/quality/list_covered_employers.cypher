// Employers currently covered by the given unions, with their name.
// $ids: list<string> — union codes (a subtree)
MATCH (u:Union)
WHERE u.id IN $ids
WITH u
MATCH (u)-[c:COVERS]->(e:Employer)
WHERE c.until IS NULL
RETURN u.id AS unionId, e.id AS id, e.name AS name
