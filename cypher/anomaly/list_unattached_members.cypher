// Members (not LEFT) marked :OrphanCheck, as three lists of texts the service combines: 'M|memberId' (the member itself), 'U|memberId|unionId' (each current membership),
// 'E|memberId|employerId|regionCode' (each current employment). A marked member with no U row
// is NO_UNION, one with no E row NO_EMPLOYER. :OrphanCheck is a superset kept by every
// statement that leaves a member without a current membership or employment (see
// mark_unattached_members), so this reads the marked few instead of anti-joining every member;
// three plain traversals rather than OPTIONAL MATCHes, which FalkorDB runs member by member
// at ~10x the cost.
MATCH (m:Member:OrphanCheck)
WHERE m.status <> 'LEFT'
RETURN collect('M|' + m.id) AS rows
UNION ALL
MATCH (m:Member:OrphanCheck)-[r:MEMBER_OF]->(u:Union)
WHERE r.until IS NULL AND m.status <> 'LEFT'
RETURN collect('U|' + m.id + '|' + u.id) AS rows
UNION ALL
MATCH (m:Member:OrphanCheck)-[w:EMPLOYED_BY]->(e:Employer)
WHERE w.until IS NULL AND m.status <> 'LEFT'
RETURN collect('E|' + m.id + '|' + e.id + '|' + coalesce(e.regionCode, '')) AS rows
