// The audit chain head: the last record's seq and hash, and the prune anchor (the last removed
// record's seq and hash; verify starts from it). No row = no record written yet.
MATCH (h:AuditHead {id: 'audit'})
RETURN h.seq AS seq, h.hash AS hash, h.anchorSeq AS anchorSeq, h.anchorHash AS anchorHash
