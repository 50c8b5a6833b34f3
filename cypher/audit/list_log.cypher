// One page of the audit log of a subtree (records whose scope lies in it), newest first.
// $unionId: string — subtree root: records whose scopePath contains it
// $from: string? — UTC ISO timestamp, inclusive lower bound, null for none
// $to: string? — UTC ISO timestamp, exclusive upper bound, null for none
// $before: int? — seq of the last record of the previous page, null for the first page
// $limit: int — page size
MATCH (r:AuditRecord)
WHERE ($from IS NULL OR r.at >= $from) AND ($to IS NULL OR r.at < $to)
  AND ($before IS NULL OR r.seq < $before) AND $unionId IN r.scopePath
RETURN r.seq AS seq, r.at AS at, r.actor AS actor, r.scopeId AS scopeId,
       r.scopePath AS scopePath, r.operation AS operation, r.arguments AS arguments,
       r.result AS result, r.clientAddress AS clientAddress, r.requestId AS requestId,
       r.prevHash AS prevHash, r.hash AS hash
ORDER BY seq DESC
LIMIT $limit
