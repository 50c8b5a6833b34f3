// Employers by id with every stored property and the union currently covering them.
// $ids: list<string> — employer codes
UNWIND $ids AS wanted
MATCH (e:Employer {id: wanted})
OPTIONAL MATCH (u:Union)-[c:COVERS]->(e)
WHERE c.until IS NULL
RETURN e.id AS id, properties(e) AS props, u.id AS unionId
