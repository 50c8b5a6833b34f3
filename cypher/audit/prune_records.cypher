// Remove the records from $fromSeq to $toSeq (inclusive, the oldest ones) and make the last of
// them the anchor verify starts from, in one statement. No row = record $toSeq is not there.
// $fromSeq: int — first seq removed (the current anchor seq + 1)
// $toSeq: int — last seq removed: becomes the anchor
MATCH (h:AuditHead {id: 'audit'})
MATCH (last:AuditRecord {seq: $toSeq})
SET h.anchorSeq = last.seq, h.anchorHash = last.hash
WITH h
MATCH (r:AuditRecord)
WHERE r.seq >= $fromSeq AND r.seq <= $toSeq
WITH collect(r) AS gone
FOREACH (x IN gone | DELETE x)
RETURN size(gone) AS removed
