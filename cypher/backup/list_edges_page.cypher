// Edges leaving nodes whose internal id is in [$fromId, $toId), with type and every property.
// $fromId: int — first internal id of the page (of the edge's start node)
// $toId: int — first internal id after the page
MATCH (a)-[r]->(b)
WHERE id(a) >= $fromId AND id(a) < $toId
RETURN id(a) AS src, id(b) AS dst, type(r) AS type, properties(r) AS props
