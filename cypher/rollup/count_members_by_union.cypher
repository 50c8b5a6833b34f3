// Current members (not LEFT) per union, by gender, household type and new-form flag.
MATCH (m:Member)-[r:MEMBER_OF]->(u:Union)
WHERE r.until IS NULL AND m.status <> 'LEFT'
RETURN u.id AS id, m.gender AS gender, m.householdType AS householdType,
       m.newFormWorker AS newFormWorker, count(m) AS n
