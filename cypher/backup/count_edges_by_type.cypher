// Edges per type (a backup's manifest and its verification).
MATCH ()-[r]->()
RETURN type(r) AS type, count(r) AS n
