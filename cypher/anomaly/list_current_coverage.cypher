// Every current coverage edge, as one list of texts 'unionId|employerId'.
MATCH (u:Union)-[c:COVERS]->(e:Employer)
WHERE c.until IS NULL
RETURN collect(u.id + '|' + e.id) AS rows
