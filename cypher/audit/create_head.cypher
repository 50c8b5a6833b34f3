// Create the audit chain head once (idempotent): seq 0, the genesis hash, no anchor yet.
// $genesis: string — prevHash of the first record
MERGE (h:AuditHead {id: 'audit'})
ON CREATE SET h.seq = 0, h.hash = $genesis, h.anchorSeq = 0, h.anchorHash = $genesis
RETURN h.seq AS seq, h.hash AS hash, h.anchorSeq AS anchorSeq, h.anchorHash AS anchorHash
