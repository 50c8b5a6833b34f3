// Whether the :OrphanCheck backfill (mark_unattached_members) has run on this graph.
MATCH (s:AnomalyState {id: 'orphanCheck'})
RETURN s.markedAt AS markedAt
