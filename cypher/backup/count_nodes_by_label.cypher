// Nodes per label combination (a backup's manifest and its verification).
MATCH (n)
RETURN labels(n) AS labels, count(n) AS n
