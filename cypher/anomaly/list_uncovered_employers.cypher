// Employers with at least $minEmployees employees and no current coverage (应建未建).
// $minEmployees: int — headcount threshold
MATCH (e:Employer)
WHERE e.employeeCount >= $minEmployees
OPTIONAL MATCH (:Union)-[c:COVERS]->(e)
WHERE c.until IS NULL
WITH e, c
WHERE c IS NULL
RETURN e.id AS id, e.name AS name, e.nature AS nature, e.employeeCount AS employeeCount,
       e.regionCode AS regionCode, e.industry AS industry
ORDER BY id
