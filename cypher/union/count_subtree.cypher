// How many unions of a union's current subtree (the root at depth 0, down to $maxDepth levels)
// match a name fragment and level.
// $under: string — subtree root (union code)
// $maxDepth: int — deepest level counted below the root (12 at most)
// $nameContains: string? — fragment of the name
// $level: string? — UnionLevel
MATCH path = (root:Union {id: $under})<-[:AFFILIATED_TO*0..12]-(u:Union)
WHERE length(path) <= $maxDepth
  AND all(r IN relationships(path) WHERE r.until IS NULL)
  AND ($nameContains IS NULL OR u.name CONTAINS $nameContains)
  AND ($level IS NULL OR u.level = $level)
RETURN count(u) AS total
