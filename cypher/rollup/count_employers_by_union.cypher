// Employers currently covered per union, by nature, with their headcount.
MATCH (u:Union)-[c:COVERS]->(e:Employer)
WHERE c.until IS NULL
RETURN u.id AS id, e.nature AS nature, count(e) AS n, sum(e.employeeCount) AS employees
