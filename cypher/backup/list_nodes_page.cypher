// Nodes whose internal id is in [$fromId, $toId), with labels and every property.
// $fromId: int — first internal id of the page
// $toId: int — first internal id after the page
MATCH (n)
WHERE id(n) >= $fromId AND id(n) < $toId
RETURN id(n) AS id, labels(n) AS labels, properties(n) AS props
