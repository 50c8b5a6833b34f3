// Members whose membership edge was open on a day, per gender, household type and new-form flag.
// $ids: list<string> — union codes
// $asOf: string — ISO date
UNWIND $ids AS wanted
MATCH (u:Union {id: wanted})<-[r:MEMBER_OF]-(m:Member)
WHERE r.since <= $asOf AND (r.until IS NULL OR r.until > $asOf)
RETURN m.gender AS gender, m.householdType AS householdType, m.newFormWorker AS newFormWorker,
       count(m) AS n
