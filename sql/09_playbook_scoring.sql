-- Playbook 2: engagement scoring for a content business. Positive events (form submitted, e-mail clicked,
-- subscription bought) add 10 to the lead_score column of the application's users table; a dismissed push
-- takes 10 off. Concurrent instances (reentry always), atomic additions.
\pset null '(null)'
SET timezone = 'UTC';
CREATE SCHEMA media;
CREATE TABLE media.users (id int PRIMARY KEY, name text, lead_score int NOT NULL DEFAULT 0);
CREATE TABLE media.events (user_id int NOT NULL, name text NOT NULL, at timestamptz NOT NULL DEFAULT now());
INSERT INTO media.users VALUES (1, 'ann', 0), (2, 'bob', 5);
SELECT journey.track_profiles('media.users', 'id');
SELECT journey.track_events('media.events', 'user_id', name_column => 'name', time_column => 'at');
\set up `cat examples/lead_score_up.json`
\set down `cat examples/lead_score_down.json`
SELECT journey.define(:'up'::jsonb, true), journey.define(:'down'::jsonb, true);

INSERT INTO media.events (user_id, name, at) VALUES
	(1, 'form_submitted', '2030-08-01 10:00+00'), (1, 'email_clicked', '2030-08-01 10:01+00'),
	(1, 'subscription_bought', '2030-08-01 10:02+00'), (1, 'push_dismissed', '2030-08-01 10:03+00'),
	(2, 'push_dismissed', '2030-08-01 10:00+00'), (2, 'page_view', '2030-08-01 10:00+00');
SELECT id, name, lead_score FROM media.users ORDER BY id;
SELECT journey, user_id, status, exit_reason, count(*) FROM journey.instances
 WHERE journey LIKE 'lead_score%' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2;

-- Without an application profile table the score lives in journey.profiles' attributes.
SELECT journey.untrack_profiles();
SELECT journey.track('carol', 'form_submitted', '{}', '2030-08-01 11:00+00');
SELECT journey.track('carol', 'email_clicked', '{}', '2030-08-01 11:01+00');
SELECT user_id, attributes FROM journey.profiles WHERE user_id = 'carol';
-- An update node writing a column the profile table does not have fails that instance with the reason.
SELECT journey.track_profiles('media.users', 'id');
SELECT journey.define($${"name": "bad_column", "trigger": {"event": "form_submitted"}, "entry": {"reentry": "always"},
  "start": "w", "nodes": {"w": {"wait": "1 hour", "next": "u"}, "u": {"update": {"no_such_column": {"set": 1}}, "next": "done"},
  "done": {"exit": "completed"}}}$$, true);
INSERT INTO media.events (user_id, name, at) VALUES (2, 'form_submitted', '2030-08-02 10:00+00');
SELECT journey.run_due('2030-08-02 11:00+00') AS steps;
SELECT user_id, status, error FROM journey.instances WHERE journey = 'bad_column';
SELECT id, lead_score FROM media.users WHERE id = 2;
SELECT journey.archive('bad_column');
SELECT journey.untrack_profiles();
