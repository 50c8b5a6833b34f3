// How many nodes the graph holds (a bulk build of a new graph needs none).
MATCH (n)
RETURN count(n) AS nodes
