// How many audit records of a subtree fall in a time window (totalCount of auditLog).
// $unionId: string — subtree root: records whose scopePath contains it
// $from: string? — UTC ISO timestamp, inclusive lower bound, null for none
// $to: string? — UTC ISO timestamp, exclusive upper bound, null for none
MATCH (r:AuditRecord)
WHERE ($from IS NULL OR r.at >= $from) AND ($to IS NULL OR r.at < $to)
  AND $unionId IN r.scopePath
RETURN count(r) AS total
