// Employers by id, with the union that currently covers each.
// $ids: list<string> — USCCs
UNWIND $ids AS wanted
MATCH (e:Employer {id: wanted})
OPTIONAL MATCH (u:Union)-[c:COVERS]->(e)
WHERE c.until IS NULL
RETURN e.id AS id, e.name AS name, e.nature AS nature, e.employeeCount AS employeeCount,
       e.regionCode AS regionCode, e.industry AS industry, u.id AS unionId
