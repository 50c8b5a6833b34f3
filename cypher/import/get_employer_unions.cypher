// Employers by id with only the union currently covering them (a roster's employer check).
// $ids: list<list> — [[employerId], …] employer codes as one-element rows (fast encoding)
UNWIND $ids AS wanted
MATCH (e:Employer {id: wanted[0]})
OPTIONAL MATCH (u:Union)-[c:COVERS]->(e)
WHERE c.until IS NULL
RETURN e.id AS id, u.id AS unionId
