// The first record still inside the retention window: everything before it may be pruned.
// $cutoff: string — UTC ISO timestamp; records at or after it are kept
MATCH (r:AuditRecord)
WHERE r.at >= $cutoff
RETURN min(r.seq) AS seq
