// How many members of a union's current subtree have a name containing a fragment and one of
// the given statuses (LEFT: former members, by a closed membership edge).
// $under: string — subtree root (union code)
// $nameContains: string — fragment of the name
// $statuses: list<string> — MembershipStatus values
MATCH path = (root:Union {id: $under})<-[:AFFILIATED_TO*0..12]-(u:Union)
WHERE all(a IN relationships(path) WHERE a.until IS NULL)
MATCH (u)<-[r:MEMBER_OF]-(m:Member)
WHERE m.name CONTAINS $nameContains
  AND ((r.until IS NULL AND m.status IN $statuses)
       OR ('LEFT' IN $statuses AND r.until IS NOT NULL AND m.status = 'LEFT'))
RETURN count(DISTINCT m) AS total
