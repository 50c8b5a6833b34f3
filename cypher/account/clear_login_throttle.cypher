// A successful login from a (username, client address): its throttle starts afresh.
// $key: string — SHA-256 of username and client address
MATCH (t:LoginThrottle {key: $key})
DELETE t
RETURN count(*) AS cleared
