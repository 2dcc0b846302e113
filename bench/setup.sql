-- make bench: schema bench (the baselines' tables) and the synthetic users' contacts. Run once per
-- bench run, after CREATE EXTENSION pg_journey, with the psql variable n (number of users).
\set ON_ERROR_STOP on
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;

-- The bare baseline of workloads 1 and 2: the same columns and indexes as journey.events, no trigger.
CREATE TABLE bench.bare_events (LIKE journey.events INCLUDING ALL);

-- Users u1..uN. Every user has an e-mail address; every other user also has a push token, so the cart
-- journey's "push?" node takes both branches (push + e-mail, or e-mail only).
TRUNCATE journey.contacts;
INSERT INTO journey.contacts (user_id, channel, address)
SELECT 'u' || g, 'email', 'u' || g || '@example.com' FROM generate_series(1, :n) g;
INSERT INTO journey.contacts (user_id, channel, address)
SELECT 'u' || g, 'push', 'token-' || g FROM generate_series(1, :n) g WHERE g % 2 = 0;
VACUUM ANALYZE journey.contacts;
