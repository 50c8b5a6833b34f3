// How many unions match a name fragment and level.
// $nameContains: string? — fragment of the name
// $level: string? — UnionLevel
MATCH (u:Union)
WHERE ($nameContains IS NULL OR u.name CONTAINS $nameContains)
  AND ($level IS NULL OR u.level = $level)
RETURN count(u) AS total
