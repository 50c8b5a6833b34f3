// Expire every open transfer (REQUESTED or RELEASED) whose expiry date has passed, in one batch:
// the transfer becomes EXPIRED and the member is ACTIVE again at the origin (where they stayed
// counted throughout, so no rollup change).
// $today: string — ISO date; transfers with expiresOn < $today expire
MATCH (t:Transfer)
WHERE t.state IN ['REQUESTED', 'RELEASED'] AND t.expiresOn < $today
MATCH (m:Member {id: t.memberId})
SET t.state = 'EXPIRED', t.closedOn = $today,
    m.status = CASE WHEN m.status = 'TRANSFERRING' THEN 'ACTIVE' ELSE m.status END
RETURN count(t) AS expired
