// Drop throttles of (username, client address) pairs not tried for a long time.
// $forgetBefore: string — UTC ISO timestamp: a throttle last used before it is dropped
MATCH (t:LoginThrottle)
WHERE t.lastAt < $forgetBefore
WITH t
LIMIT 1000
DELETE t
RETURN count(*) AS deleted
