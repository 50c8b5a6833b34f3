// Append one record to the audit chain, only if the head is still the one the record was
// chained to (seq and hash as read): a writer that lost a race gets no row and retries.
// The head is written first (Neo4j: takes its write lock) and then re-checked.
// $prevSeq: int — head seq the record follows
// $prevHash: string — head hash the record follows
// $record: map — the record's properties (seq, at, actor, scopeId, scopePath, operation, arguments, result, clientAddress, requestId, prevHash, hash)
MATCH (h:AuditHead {id: 'audit'})
SET h.touchedAt = $record.at
WITH h
WHERE h.seq = $prevSeq AND h.hash = $prevHash
SET h.seq = $record.seq, h.hash = $record.hash
CREATE (r:AuditRecord)
SET r = $record
RETURN r.seq AS seq
