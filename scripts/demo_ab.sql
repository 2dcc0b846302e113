-- The demo's A/B test (make demo): a win-back offer A or B against a 20 % holdout, for 600 lapsed buyers who
-- entered over the last two weeks; purchases within 7 days are the goal. Measured with SPEC §8's functions,
-- then the winner is promoted. Run by scripts/demo.sh; the report shows the arms, the uplift and the winner.
SET client_min_messages = warning;
SELECT journey.define($${
  "name": "winback_ab",
  "description": "Win back lapsed buyers: offer A or offer B in the app, or nothing (holdout)",
  "trigger": {"event": "lapsed"},
  "entry": {"max_event_age": "30 days"},
  "goal": {"event": "purchase", "within": "7 days"},
  "start": "ab",
  "nodes": {
    "ab":      {"split": [{"label": "holdout", "percent": 20, "next": null},
                          {"label": "offer_a", "percent": 40, "next": "offer_a"},
                          {"label": "offer_b", "percent": 40, "next": "offer_b"}]},
    "offer_a": {"send": {"channel": "in_app", "template": "winback_10_percent"}, "next": "done"},
    "offer_b": {"send": {"channel": "in_app", "template": "winback_free_shipping"}, "next": "done"},
    "done":    {"exit": "completed"}
  }}$$, publish => true) AS winback_version;
SELECT count(journey.track('lapsed' || i, 'lapsed', '{}', now() - (i % 14) * interval '1 day' - interval '1 hour'))
       AS lapsed_buyers
  FROM generate_series(1, 600) i;
-- Purchases a day after entering: 5 % of the holdout, 10 % of offer A, 25 % of offer B.
SELECT count(journey.track(i.user_id, 'purchase', '{}', i.entered_at + interval '1 day')) AS purchases
  FROM (SELECT user_id, entered_at, variant, row_number() OVER (PARTITION BY variant ORDER BY user_id) AS k,
               count(*) OVER (PARTITION BY variant) AS n
          FROM journey.instances WHERE journey = 'winback_ab') i
 WHERE i.k <= i.n * CASE i.variant WHEN 'holdout' THEN 0.05 WHEN 'offer_a' THEN 0.10 ELSE 0.25 END;
\echo '== the A/B test: journey.split_uplift (p-value and the uplift over the holdout with its 95 % interval)'
SELECT label, entered, converted, conversion_rate, uplift, uplift_low, uplift_high, p_value
  FROM journey.split_uplift('winback_ab');
\echo '== journey.summary, journey.timeseries (the last days)'
SELECT version, entered, completed, converted, conversion_rate FROM journey.summary('winback_ab');
SELECT bucket::date, entered, converted, sent FROM journey.timeseries('winback_ab', '1 day') ORDER BY bucket DESC LIMIT 5;
\echo '== one user''s history (journey.user_history): every step and why'
SELECT at, journey, node, what, detail FROM journey.user_history('lapsed7') ORDER BY at;
\echo '== the journey as a Mermaid flowchart with live counts (journey.render)'
SELECT journey.render('winback_ab');
\echo '== offer B wins (p < 0.05): journey.promote_winner publishes a version sending everyone to it'
SELECT journey.promote_winner('winback_ab', 'ab', 'offer_b') AS new_version;
SELECT journey, version, action, detail, diff FROM journey.changes WHERE journey = 'winback_ab' ORDER BY at, version;
