// Create a union without a parent (the national root) unless the id is taken; its ancestor
// path (u.path) is empty.
// $id: string — union code
// $props: map — union properties other than id (no nulls)
// $rollup: list<int> — the union's own rollup vector
// $recordedAt: string — UTC timestamp of the change
MERGE (lock:TreeLock {id: 'tree'})
SET lock.at = $recordedAt
WITH lock
OPTIONAL MATCH (dup:Union {id: $id})
WITH lock, dup
WHERE dup IS NULL
CREATE (u:Union)
SET u = $props, u.id = $id, u.rollup = $rollup, u.path = []
RETURN u.id AS id
