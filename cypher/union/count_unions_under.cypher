// How many unions of a subtree (the root included) match a name fragment and level.
// $under: string — subtree root
// $nameContains: string? — fragment of the name
// $level: string? — UnionLevel
MATCH path = (root:Union {id: $under})<-[:AFFILIATED_TO*0..12]-(u:Union)
WHERE all(r IN relationships(path) WHERE r.until IS NULL)
  AND ($nameContains IS NULL OR u.name CONTAINS $nameContains)
  AND ($level IS NULL OR u.level = $level)
RETURN count(u) AS total
