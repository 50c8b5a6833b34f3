// Audit records in chain order, one batch after a seq (verify walks the whole chain).
// $after: int — last seq of the previous batch (the anchor seq for the first)
// $limit: int — batch size
MATCH (r:AuditRecord)
WHERE r.seq > $after
RETURN r.seq AS seq, r.at AS at, r.actor AS actor, r.scopeId AS scopeId,
       r.scopePath AS scopePath, r.operation AS operation, r.arguments AS arguments,
       r.result AS result, r.clientAddress AS clientAddress, r.requestId AS requestId,
       r.prevHash AS prevHash, r.hash AS hash
ORDER BY seq
LIMIT $limit
