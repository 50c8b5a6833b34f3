// Every current coverage edge: which union covers which employer.
MATCH (u:Union)-[c:COVERS]->(e:Employer)
WHERE c.until IS NULL
RETURN u.id AS unionId, e.id AS employerId
