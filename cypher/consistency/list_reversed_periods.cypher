// Edges whose period ends before it starts (an end date earlier than the start date), for verify.
// $limit: integer — at most this many rows
MATCH (a)-[r]->(b)
WHERE r.until IS NOT NULL AND r.since IS NOT NULL AND r.until < r.since
RETURN type(r) AS type, a.id AS fromId, b.id AS toId, r.since AS since, r.until AS until
LIMIT $limit
