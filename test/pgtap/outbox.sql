-- The outbox protocol of SPEC §6: claim / ack / fail leases, dedup keys, suppressed sends,
-- report_delivery. Everything is rolled back; the scheduler never sees it.
-- Rows to be claimed are written by events dated a few hours in the past (claim works on now());
-- work driven by run_due is dated ten years ahead so the real-clock worker can never race it.
BEGIN;
SELECT plan(100);

-- A private channel: only this file's rows can be claimed on it.
\o /dev/null
SELECT journey.add_channel('ob_chan');
\o

-- ob_now: the start node sends at once (as of the event's time).
\o /dev/null
SELECT journey.define($j${
	"name": "ob_now",
	"trigger": {"event": "ob_now_go"},
	"start": "s",
	"nodes": {
		"s":    {"send": {"channel": "ob_chan", "template": "ob_tpl", "data": {"k": "{{event.k}}"}}, "next": "done"},
		"done": {"exit": "completed"}
	}
}$j$, true);
\o

\o /dev/null
SELECT journey.set_contact('ob_u' || n, 'ob_chan', 'addr-' || n) FROM generate_series(1, 7) AS n;
\o

-- Inserted out of time order: the id order is not the available_at order.
\o /dev/null
SELECT journey.track('ob_u1', 'ob_now_go', '{"k": "one"}', now() - interval '1 hour');
SELECT journey.track('ob_u2', 'ob_now_go', '{"k": "two"}', now() - interval '3 hours');
SELECT journey.track('ob_u3', 'ob_now_go', '{"k": "three"}', now() - interval '2 hours');
SELECT journey.track('ob_u4', 'ob_now_go', '{"k": "four"}', now() + interval '10 years');
\o

CREATE TEMP TABLE ob_ids AS
SELECT user_id, id FROM journey.outbox WHERE journey = 'ob_now';

-- the rows as written.
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE journey = 'ob_now' AND status = 'pending'), 4,
	'each event wrote one pending outbox row');
SELECT is((SELECT available_at FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u2'),
	now() - interval '3 hours', 'available_at is the time of the step that sent (the event time)');
SELECT is((SELECT created_at FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u4'),
	now() + interval '10 years', 'created_at of a future event is that future time');
SELECT is((SELECT payload ->> 'to' FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u3'), 'addr-3',
	'payload.to is the contact address');
SELECT is((SELECT payload -> 'data' ->> 'k' FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u3'),
	'three', 'payload.data is rendered from the triggering event');

-- First claim: two rows at most, oldest available first.
CREATE TEMP TABLE ob_c1 AS SELECT * FROM journey.claim('ob_chan', 2) WITH ORDINALITY AS c;

SELECT is((SELECT array_agg(user_id ORDER BY ordinality) FROM ob_c1), ARRAY['ob_u2', 'ob_u3'],
	'claim returns max_rows rows, oldest available_at first (not id order)');
SELECT is((SELECT array_agg(DISTINCT status) FROM ob_c1), ARRAY['claimed'], 'claim returns the rows as claimed');
SELECT is((SELECT array_agg(DISTINCT o.status) FROM journey.outbox o JOIN ob_c1 USING (id)), ARRAY['claimed'],
	'claimed rows have status claimed');
SELECT is((SELECT array_agg(DISTINCT o.claimed_until) FROM journey.outbox o JOIN ob_c1 USING (id)),
	ARRAY[now() + interval '1 minute'], 'claimed_until = now() + the default lease of 1 minute');
SELECT is((SELECT array_agg(DISTINCT o.attempts) FROM journey.outbox o JOIN ob_c1 USING (id)), ARRAY[1],
	'claim adds 1 to attempts');
SELECT is((SELECT array_agg(status || '/' || attempts ORDER BY user_id) FROM journey.outbox
	WHERE journey = 'ob_now' AND user_id IN ('ob_u1', 'ob_u4')), ARRAY['pending/0', 'pending/0'],
	'rows not returned by claim are untouched');
SELECT is((SELECT claimed_until FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u1'), NULL,
	'an unclaimed row has no claimed_until');

-- Second claim: leased rows and future rows are not returned.
CREATE TEMP TABLE ob_c2 AS SELECT * FROM journey.claim('ob_chan', 10, '5 minutes') AS c;

SELECT is((SELECT array_agg(user_id) FROM ob_c2), ARRAY['ob_u1'],
	'a second claim returns neither leased rows nor rows available in the future');
SELECT is((SELECT claimed_until FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u1'),
	now() + interval '5 minutes', 'claimed_until = now() + the lease given');
SELECT is((SELECT count(*)::int FROM journey.claim('ob_chan')), 0, 'nothing left to claim');

-- An expired lease is reclaimable (at-least-once).
UPDATE journey.outbox SET claimed_until = now() - interval '1 second'
 WHERE journey = 'ob_now' AND user_id = 'ob_u2';
CREATE TEMP TABLE ob_c3 AS SELECT * FROM journey.claim('ob_chan', 10) AS c;

SELECT is((SELECT array_agg(user_id) FROM ob_c3), ARRAY['ob_u2'], 'a row whose lease expired is claimed again');
SELECT is((SELECT attempts FROM ob_c3), 2, 'the reclaim counts a second attempt');
SELECT is((SELECT claimed_until FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u2'),
	now() + interval '1 minute', 'the reclaim renews the lease');

-- ack
SELECT is(journey.ack(ARRAY(SELECT id FROM ob_ids WHERE user_id IN ('ob_u2', 'ob_u3', 'ob_u4'))), 2,
	'ack counts only claimed rows (two claimed, one pending)');
SELECT is((SELECT array_agg(status ORDER BY user_id) FROM journey.outbox
	WHERE journey = 'ob_now' AND user_id IN ('ob_u2', 'ob_u3', 'ob_u4')), ARRAY['sent', 'sent', 'pending'],
	'ack marks claimed rows sent and leaves the pending one');
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE journey = 'ob_now' AND status = 'sent'
	AND claimed_until IS NOT NULL), 0, 'sent rows hold no lease');
SELECT is(journey.ack(ARRAY(SELECT id FROM ob_ids WHERE user_id = 'ob_u4')), 0, 'ack of an unclaimed id counts 0');
SELECT is(journey.ack(ARRAY(SELECT id FROM ob_ids WHERE user_id = 'ob_u2')), 0, 'ack of a sent id counts 0');
SELECT is(journey.ack(ARRAY[-1]::bigint[]), 0, 'ack of an unknown id counts 0');

-- fail with retry_in
\o /dev/null
SELECT journey.fail((SELECT id FROM ob_ids WHERE user_id = 'ob_u1'), 'smtp 451 try later', '10 minutes');
\o

SELECT is((SELECT status FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u1'), 'pending',
	'fail takes a claimed row back to pending');
SELECT is((SELECT available_at FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u1'),
	now() + interval '10 minutes', 'fail with retry_in: available_at = now() + retry_in');
SELECT is((SELECT last_error FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u1'),
	'smtp 451 try later', 'fail keeps the error in last_error');
SELECT is((SELECT claimed_until FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u1'), NULL,
	'a failed row holds no lease');
SELECT is((SELECT count(*)::int FROM journey.claim('ob_chan')), 0, 'a row failed with retry_in is not claimable before it');

-- fail with a null retry_in: exponential backoff in the future.
\o /dev/null
SELECT journey.track('ob_u5', 'ob_now_go', '{}', now() - interval '5 minutes');
\o
SELECT is((SELECT array_agg(user_id) FROM journey.claim('ob_chan')), ARRAY['ob_u5'], 'a new row is claimable');
SELECT lives_ok($$SELECT journey.fail((SELECT id FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u5'),
	'timeout')$$, 'fail with the default retry_in (null)');
SELECT is((SELECT status FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u5'), 'pending',
	'fail with null retry_in: pending again');
SELECT cmp_ok((SELECT available_at FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u5'), '>', now(),
	'fail with null retry_in: backoff puts available_at in the future');
SELECT is((SELECT last_error FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u5'), 'timeout',
	'fail with null retry_in keeps last_error');

-- dead after journey.max_attempts (a server setting, 8 by default: a session cannot change it).
\o /dev/null
SELECT journey.track('ob_u6', 'ob_now_go', '{}', now() - interval '4 minutes');
SELECT journey.claim('ob_chan');
SELECT journey.fail((SELECT id FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u6'), 'first', '0 seconds');
\o
SELECT is((SELECT status || '/' || attempts FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u6'),
	'pending/1', 'below max_attempts a failed row is pending again');
SELECT is((SELECT array_agg(user_id) FROM journey.claim('ob_chan')), ARRAY['ob_u6'],
	'retry_in 0: claimable again at once');
\o /dev/null
-- attempts 2 .. max_attempts - 1 fail and are claimed again; the fail of the last attempt makes it dead.
DO $$
BEGIN
	FOR k IN 2 .. journey.max_attempts() - 1 LOOP
		PERFORM journey.fail((SELECT id FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u6'), 'again',
		                     '0 seconds');
		PERFORM journey.claim('ob_chan');
	END LOOP;
END
$$;
SELECT journey.fail((SELECT id FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u6'), 'second', '0 seconds');
\o
SELECT is((SELECT status || '/' || attempts FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u6'),
	'dead/' || journey.max_attempts(), 'a fail once attempts reached journey.max_attempts makes the row dead');
SELECT is((SELECT last_error FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u6'), 'second',
	'a dead row keeps the last error');
SELECT is((SELECT count(*)::int FROM journey.claim('ob_chan')), 0, 'a dead row is never claimed');

-- fail refuses rows that are not claimed, and unknown ids.
SELECT throws_ok(format('SELECT journey.fail(%s, %L)', (SELECT id FROM ob_ids WHERE user_id = 'ob_u4'), 'x'),
	'55000', NULL, 'fail of a pending (unclaimed) row: 55000');
SELECT throws_ok(format('SELECT journey.fail(%s, %L)', (SELECT id FROM ob_ids WHERE user_id = 'ob_u2'), 'x'),
	'55000', NULL, 'fail of a sent row: 55000');
SELECT throws_ok($$SELECT journey.fail(-42, 'x')$$, '22023', NULL, 'fail of an unknown id: 22023');
SELECT is((SELECT status FROM journey.outbox WHERE id = (SELECT id FROM ob_ids WHERE user_id = 'ob_u4')), 'pending',
	'a refused fail changes nothing');

-- dedup_key = <instance id>:<node>:<visit>; a loop visiting the send again gets a new key.
\o /dev/null
SELECT journey.define($j${
	"name": "ob_loop",
	"trigger": {"event": "ob_loop_go"},
	"start": "s",
	"nodes": {
		"s": {"send": {"channel": "ob_chan", "template": "ob_tpl"}, "next": "w"},
		"w": {"wait": "1 hour", "next": "s"}
	}
}$j$, true);
SELECT journey.track('ob_u7', 'ob_loop_go', '{}', now() + interval '10 years');
\o
SELECT is((SELECT dedup_key FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u1'),
	(SELECT id || ':s:1' FROM journey.instances WHERE journey = 'ob_now' AND user_id = 'ob_u1'),
	'dedup_key is <instance id>:<node>:1 on the first visit');
SELECT is((SELECT instance_id FROM journey.outbox WHERE journey = 'ob_now' AND user_id = 'ob_u1'),
	(SELECT id FROM journey.instances WHERE journey = 'ob_now' AND user_id = 'ob_u1'),
	'instance_id names the instance that sent');
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE journey = 'ob_loop'), 1, 'the loop sent once on entry');
\o /dev/null
SELECT journey.run_due(now() + interval '10 years 30 minutes');
\o
SELECT is((SELECT node || ' ' || wake_at FROM journey.instances WHERE journey = 'ob_loop' AND user_id = 'ob_u7'),
	'w ' || (now() + interval '10 years 1 hour'), 'run_due before the wait ends leaves the instance waiting until then');
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE journey = 'ob_loop'), 1,
	'no send before the wait is due');
SELECT cmp_ok(journey.run_due(now() + interval '10 years 1 hour'), '>=', 1::bigint, 'run_due when the wait ends steps');
SELECT is((SELECT array_agg(dedup_key ORDER BY id) FROM journey.outbox WHERE journey = 'ob_loop'),
	(SELECT ARRAY[id || ':s:1', id || ':s:2'] FROM journey.instances WHERE journey = 'ob_loop' AND user_id = 'ob_u7'),
	'the second visit of the send node has dedup_key <id>:s:2');
SELECT is((SELECT created_at || ' ' || available_at || ' ' || status FROM journey.outbox
	WHERE journey = 'ob_loop' AND dedup_key LIKE '%:s:2'),
	(now() + interval '10 years 1 hour') || ' ' || (now() + interval '10 years 1 hour') || ' pending',
	'a send that falls due in run_due(as_of) has created_at = available_at = as_of and is pending');
SELECT is((SELECT count(*)::int FROM journey.claim('ob_chan')), 0, 'rows available in the future are not claimed');

-- Suppressed sends: unreachable users, and the journey goes on.
\o /dev/null
SELECT journey.define($j${
	"name": "ob_sup",
	"trigger": {"event": "ob_sup_go"},
	"start": "mail",
	"nodes": {
		"mail": {"send": {"channel": "email", "template": "ob_mail"}, "next": "app"},
		"app":  {"send": {"channel": "in_app", "template": "ob_app"}, "next": "done"},
		"done": {"exit": "completed"}
	}
}$j$, true);
SELECT journey.set_contact('ob_s_ok', 'email', 'ok@example.com');
SELECT journey.set_contact('ob_s_ok2', 'email', 'ok2@example.com');
SELECT journey.set_contact('ob_s_unsub', 'email', 'unsub@example.com');
SELECT journey.unsubscribe('ob_s_unsub', 'email');
SELECT journey.set_contact('ob_s_bounce', 'email', 'bounce@example.com');
\o
UPDATE journey.contacts SET bounced = true WHERE user_id = 'ob_s_bounce' AND channel = 'email';
\o /dev/null
SELECT journey.set_contact('ob_s_noaddr', 'email', NULL);
SELECT journey.unsubscribe('ob_s_appout', 'in_app');
SELECT journey.set_contact('ob_s_appout', 'email', 'appout@example.com');
SELECT journey.track(u, 'ob_sup_go', '{}', now() - interval '1 hour')
  FROM unnest(ARRAY['ob_s_ok', 'ob_s_ok2', 'ob_s_none', 'ob_s_unsub', 'ob_s_bounce', 'ob_s_noaddr', 'ob_s_appout']) AS u;
\o

SELECT is((SELECT array_agg(user_id || '=' || status ORDER BY user_id) FROM journey.outbox
	WHERE journey = 'ob_sup' AND channel = 'email'),
	ARRAY['ob_s_appout=pending', 'ob_s_bounce=suppressed', 'ob_s_noaddr=suppressed', 'ob_s_none=suppressed',
	      'ob_s_ok=pending', 'ob_s_ok2=pending', 'ob_s_unsub=suppressed'],
	'email sends to users without contact, without address, opted out or bounced are suppressed');
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE journey = 'ob_sup' AND status = 'suppressed'
	AND coalesce(last_error, '') = ''), 0, 'every suppressed row says why in last_error');
SELECT is((SELECT count(*)::int FROM journey.outbox WHERE journey = 'ob_sup' AND status = 'pending'
	AND last_error IS NOT NULL), 0, 'pending rows have no last_error');
SELECT isnt((SELECT last_error FROM journey.outbox WHERE journey = 'ob_sup' AND user_id = 'ob_s_none' AND channel = 'email'),
	(SELECT last_error FROM journey.outbox WHERE journey = 'ob_sup' AND user_id = 'ob_s_unsub' AND channel = 'email'),
	'last_error tells no contact apart from opted out');
SELECT isnt((SELECT last_error FROM journey.outbox WHERE journey = 'ob_sup' AND user_id = 'ob_s_bounce' AND channel = 'email'),
	(SELECT last_error FROM journey.outbox WHERE journey = 'ob_sup' AND user_id = 'ob_s_unsub' AND channel = 'email'),
	'last_error tells bounced apart from opted out');
SELECT is((SELECT array_agg(user_id || '=' || status ORDER BY user_id) FROM journey.outbox
	WHERE journey = 'ob_sup' AND channel = 'in_app'),
	ARRAY['ob_s_appout=suppressed', 'ob_s_bounce=pending', 'ob_s_noaddr=pending', 'ob_s_none=pending',
	      'ob_s_ok=pending', 'ob_s_ok2=pending', 'ob_s_unsub=pending'],
	'the journey went on after suppressed sends; in_app needs no contact, only an opt-out suppresses it');
SELECT is((SELECT array_agg(DISTINCT status) FROM journey.instances WHERE journey = 'ob_sup'), ARRAY['completed'],
	'every instance completed despite suppressed sends');
SELECT is((SELECT payload ->> 'to' FROM journey.outbox WHERE journey = 'ob_sup' AND user_id = 'ob_s_ok'
	AND channel = 'email'), 'ok@example.com', 'payload.to of a reachable email user');
SELECT is((SELECT payload ->> 'template' FROM journey.outbox WHERE journey = 'ob_sup' AND user_id = 'ob_s_ok'
	AND channel = 'email'), 'ob_mail', 'payload.template');
SELECT is((SELECT template FROM journey.outbox WHERE journey = 'ob_sup' AND user_id = 'ob_s_ok'
	AND channel = 'in_app'), 'ob_app', 'the template column');
SELECT is((SELECT count(*)::int FROM journey.claim('ob_chan')), 0,
	'claim of a channel returns no rows of other channels (pending email and in_app rows exist)');
SELECT is((SELECT array_agg(c.user_id ORDER BY c.user_id) FROM journey.claim('in_app', 1000) c WHERE c.journey = 'ob_sup'),
	ARRAY['ob_s_bounce', 'ob_s_noaddr', 'ob_s_none', 'ob_s_ok', 'ob_s_ok2', 'ob_s_unsub'],
	'claim takes the pending in_app rows and never a suppressed one');

-- report_delivery: reports come for rows a sender acked (status sent); here the acks are simulated.
SELECT throws_ok(format('SELECT journey.report_delivery(%s, %L)', (SELECT id FROM journey.outbox
	WHERE journey = 'ob_sup' AND user_id = 'ob_s_ok' AND channel = 'email'), 'opened'),
	'55000', NULL, 'report_delivery of a row never sent: 55000');
SELECT is((SELECT count(*)::int FROM journey.events WHERE user_id = 'ob_s_ok' AND name = 'email_opened'), 0,
	'and no event');
UPDATE journey.outbox SET status = 'sent'
 WHERE journey = 'ob_sup' AND ((user_id IN ('ob_s_ok', 'ob_s_ok2') AND channel = 'email') OR (user_id = 'ob_s_ok2' AND channel = 'in_app'));
\o /dev/null
SELECT journey.report_delivery((SELECT id FROM journey.outbox WHERE journey = 'ob_sup' AND user_id = 'ob_s_ok'
	AND channel = 'email'), 'opened', now() - interval '7 minutes');
SELECT journey.report_delivery((SELECT id FROM journey.outbox WHERE journey = 'ob_sup' AND user_id = 'ob_s_ok'
	AND channel = 'email'), 'bounced');
SELECT journey.report_delivery((SELECT id FROM journey.outbox WHERE journey = 'ob_sup' AND user_id = 'ob_s_ok2'
	AND channel = 'email'), 'unsubscribed', now() - interval '2 minutes');
SELECT journey.report_delivery((SELECT id FROM journey.outbox WHERE journey = 'ob_sup' AND user_id = 'ob_s_ok2'
	AND channel = 'in_app'), 'clicked', now() - interval '1 minute', '{"link": "https://example.com/a", "journey": "spoofed"}');
\o
SELECT is((SELECT props - 'outbox_id' - 'version' FROM journey.events WHERE user_id = 'ob_s_ok2' AND name = 'in_app_clicked'),
	'{"link": "https://example.com/a", "journey": "ob_sup", "node": "app", "template": "ob_app"}'::jsonb,
	'the response is the event''s props, with the row''s journey, node and template (which the response cannot replace)');
SELECT throws_ok($$SELECT journey.report_delivery(1, 'opened', now(), '[1]')$$, '22023', NULL, 'a response that is not an object: 22023');

SELECT is((SELECT occurred_at FROM journey.events WHERE user_id = 'ob_s_ok' AND name = 'email_opened'),
	now() - interval '7 minutes', 'report_delivery opened: event email_opened with occurred_at = at');
SELECT is((SELECT count(*)::int FROM journey.events WHERE user_id = 'ob_s_ok' AND name = 'email_opened'), 1,
	'one event per report');
SELECT is((SELECT occurred_at FROM journey.events WHERE user_id = 'ob_s_ok' AND name = 'email_bounced'), now(),
	'report_delivery bounced: event email_bounced, at defaults to now()');
SELECT is((SELECT bounced FROM journey.contacts WHERE user_id = 'ob_s_ok' AND channel = 'email'), true,
	'bounced sets contacts.bounced');
SELECT is((SELECT opted_in FROM journey.contacts WHERE user_id = 'ob_s_ok' AND channel = 'email'), true,
	'a bounce does not opt out');
SELECT is((SELECT occurred_at FROM journey.events WHERE user_id = 'ob_s_ok2' AND name = 'email_unsubscribed'),
	now() - interval '2 minutes', 'report_delivery unsubscribed: event email_unsubscribed');
SELECT is((SELECT opted_in FROM journey.contacts WHERE user_id = 'ob_s_ok2' AND channel = 'email'), false,
	'unsubscribed sets opted_in false');
SELECT is((SELECT address FROM journey.contacts WHERE user_id = 'ob_s_ok2' AND channel = 'email'), 'ok2@example.com',
	'unsubscribed keeps the address');
SELECT is((SELECT occurred_at FROM journey.events WHERE user_id = 'ob_s_ok2' AND name = 'in_app_clicked'),
	now() - interval '1 minute', 'the event is named <channel>_<status> (in_app_clicked)');
SELECT throws_ok(format('SELECT journey.report_delivery(%s, %L)', (SELECT id FROM journey.outbox
	WHERE journey = 'ob_sup' AND user_id = 'ob_s_ok' AND channel = 'email'), 'exploded'),
	'22023', NULL, 'report_delivery of an unknown status: 22023');
SELECT is((SELECT count(*)::int FROM journey.events WHERE user_id = 'ob_s_ok' AND name = 'email_exploded'), 0,
	'an unknown status records no event');
SELECT throws_ok($$SELECT journey.report_delivery(-42, 'opened')$$, '22023', NULL,
	'report_delivery of an unknown id: 22023');

-- Leases (issue 12): each claim has its own lease_id; an ack or fail naming a lease that no longer holds
-- the row changes nothing and is not counted; an expired lease claimed again is an attempt, and a row
-- whose lease expired journey.max_attempts times goes dead.
\o /dev/null
SELECT journey.add_channel('ob_lease_chan');
SELECT journey.define($j${
	"name": "ob_lease",
	"trigger": {"event": "ob_lease_go"},
	"start": "s",
	"nodes": {
		"s":    {"send": {"channel": "ob_lease_chan", "template": "ob_tpl"}, "next": "done"},
		"done": {"exit": "completed"}
	}
}$j$, true);
SELECT journey.set_contact('ob_l' || n, 'ob_lease_chan', 'l-' || n) FROM generate_series(1, 3) AS n;
SELECT journey.track('ob_l' || n, 'ob_lease_go', '{}', now() - interval '1 hour' + n * interval '1 minute')
  FROM generate_series(1, 3) AS n;
\o
CREATE TEMP TABLE ob_lease1 AS SELECT id, lease_id, user_id FROM journey.claim('ob_lease_chan', 1);
CREATE TEMP TABLE ob_lease2 AS SELECT id, lease_id, user_id FROM journey.claim('ob_lease_chan', 1);
SELECT ok((SELECT lease_id FROM ob_lease1) IS NOT NULL AND (SELECT lease_id FROM ob_lease2) IS NOT NULL
          AND (SELECT lease_id FROM ob_lease1) <> (SELECT lease_id FROM ob_lease2),
	'claim returns its lease_id; two claims, two leases');
SELECT is((SELECT lease_id FROM journey.outbox WHERE id = (SELECT id FROM ob_lease1)), (SELECT lease_id FROM ob_lease1),
	'the row keeps the lease of the claim that holds it');
SELECT is(journey.ack(ARRAY[(SELECT id FROM ob_lease1)], (SELECT lease_id FROM ob_lease2)), 0,
	'ack naming another lease acks nothing (counted 0)');
SELECT is((SELECT status FROM journey.outbox WHERE id = (SELECT id FROM ob_lease1)), 'claimed',
	'ack naming another lease leaves the row claimed');
SELECT is(journey.ack(ARRAY[(SELECT id FROM ob_lease1)], (SELECT lease_id FROM ob_lease1)), 1,
	'ack naming the lease that holds the row: sent (counted 1)');
-- The first sender's lease on row 2 expires; another claims it again.
UPDATE journey.outbox SET claimed_until = now() - interval '1 second' WHERE id = (SELECT id FROM ob_lease2);
CREATE TEMP TABLE ob_lease3 AS SELECT id, lease_id, attempts FROM journey.claim('ob_lease_chan', 1);
SELECT is((SELECT id FROM ob_lease3), (SELECT id FROM ob_lease2), 'a row whose lease expired is claimed again');
SELECT is((SELECT attempts FROM ob_lease3), 2, 'claiming an expired lease again counts an attempt');
SELECT isnt((SELECT lease_id FROM ob_lease3), (SELECT lease_id FROM ob_lease2), 'under a new lease');
SELECT is(journey.ack(ARRAY[(SELECT id FROM ob_lease2)], (SELECT lease_id FROM ob_lease2)), 0,
	'the expired sender''s late ack changes nothing (counted 0)');
SELECT lives_ok(format('SELECT journey.fail(%s, %L, %L, %s)', (SELECT id FROM ob_lease2), 'late', '0 seconds',
	(SELECT lease_id FROM ob_lease2)), 'the expired sender''s late fail is not an error');
SELECT is((SELECT status || '/' || attempts || '/' || lease_id FROM journey.outbox WHERE id = (SELECT id FROM ob_lease2)),
	'claimed/2/' || (SELECT lease_id FROM ob_lease3), 'the expired sender''s late fail changed nothing');
SELECT lives_ok(format('SELECT journey.fail(%s, %L, %L, %s)', (SELECT id FROM ob_lease3), 'retry', '0 seconds',
	(SELECT lease_id FROM ob_lease3)), 'fail naming the lease that holds the row');
SELECT is((SELECT status || '/' || last_error FROM journey.outbox WHERE id = (SELECT id FROM ob_lease3)), 'pending/retry',
	'fail with the holding lease takes the row back');
-- A message that crashes its sender every time: its lease expires journey.max_attempts times, then it is dead.
DO $$
DECLARE
	row_id bigint := (SELECT o.id FROM journey.outbox o JOIN pg_temp.ob_lease3 l ON l.id = o.id);
BEGIN
	LOOP
		EXIT WHEN (SELECT o.attempts FROM journey.outbox o WHERE o.id = row_id) >= journey.max_attempts();
		PERFORM journey.claim('ob_lease_chan', 10);
		UPDATE journey.outbox o SET claimed_until = now() - interval '1 second' WHERE o.status = 'claimed'
		   AND o.channel = 'ob_lease_chan';
	END LOOP;
END
$$;
SELECT is((SELECT status || '/' || attempts FROM journey.outbox WHERE id = (SELECT id FROM ob_lease3)),
	'claimed/' || journey.max_attempts(), 'claimed journey.max_attempts times, each lease expired');
SELECT is((SELECT count(*)::int FROM journey.claim('ob_lease_chan', 10) c WHERE c.id = (SELECT id FROM ob_lease3)), 0,
	'the next claim does not hand it out again');
SELECT is((SELECT status || ': ' || last_error FROM journey.outbox WHERE id = (SELECT id FROM ob_lease3)),
	'dead: lease expired ' || journey.max_attempts() || ' times', 'it is dead, and last_error says why');

-- A permanent failure (a provider that refused the message: a webhook's 4xx): dead => true, at the first attempt.
INSERT INTO journey.outbox (journey, version, node, instance_id, user_id, channel, payload, dedup_key, created_at, available_at)
VALUES ('ob_dead', 1, 'n', 1, 'u', 'ob_lease_chan', '{}', 'ob_dead:n:1', now() - interval '1 minute', now() - interval '1 minute');
CREATE TEMP TABLE ob_dead AS SELECT id, lease_id FROM journey.claim('ob_lease_chan', 10) WHERE dedup_key = 'ob_dead:n:1';
SELECT lives_ok($$SELECT journey.fail((SELECT id FROM ob_dead), 'HTTP 410: gone', NULL, (SELECT lease_id + 1 FROM ob_dead), dead => true)$$,
	'dead => true with a lease no longer held: a notice');
SELECT is((SELECT status FROM journey.outbox WHERE dedup_key = 'ob_dead:n:1'), 'claimed', 'and nothing changed');
SELECT lives_ok($$SELECT journey.fail((SELECT id FROM ob_dead), 'HTTP 410: gone', NULL, (SELECT lease_id FROM ob_dead), dead => true)$$,
	'dead => true with the lease');
SELECT is((SELECT status || '/' || attempts || ': ' || last_error FROM journey.outbox WHERE dedup_key = 'ob_dead:n:1'),
	'dead/1: HTTP 410: gone', 'dead at its first attempt, with the error');

SELECT * FROM finish();
ROLLBACK;
