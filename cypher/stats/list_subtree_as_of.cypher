// The unions of a subtree as it stood on a day: every affiliation edge on the way valid then.
// $id: string — subtree root
// $asOf: string — ISO date
MATCH path = (root:Union {id: $id})<-[:AFFILIATED_TO*0..12]-(u:Union)
WHERE all(r IN relationships(path) WHERE r.since <= $asOf AND (r.until IS NULL OR r.until > $asOf))
RETURN DISTINCT u.id AS id, u.level AS level, u.status AS status, u.dissolvedOn AS dissolvedOn
