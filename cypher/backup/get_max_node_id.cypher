// The highest internal node id: the content digest pages nodes and edges by id ranges.
MATCH (n)
RETURN max(id(n)) AS maxId
