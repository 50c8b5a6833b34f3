// Employers with at least $threshold employees that no union covers, per region code.
// $threshold: int — headcount from which a union should exist (25)
MATCH (e:Employer)
WHERE e.employeeCount >= $threshold
OPTIONAL MATCH (:Union)-[c:COVERS]->(e)
WHERE c.until IS NULL
WITH e, c
WHERE c IS NULL
RETURN e.regionCode AS regionCode, count(e) AS n
