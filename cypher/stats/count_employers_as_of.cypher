// Employers whose coverage edge was open on a day, per nature, with headcount.
// $ids: list<string> — union codes
// $asOf: string — ISO date
UNWIND $ids AS wanted
MATCH (u:Union {id: wanted})-[c:COVERS]->(e:Employer)
WHERE c.since <= $asOf AND (c.until IS NULL OR c.until > $asOf)
RETURN e.nature AS nature, count(e) AS n, sum(e.employeeCount) AS employees
